/** Parameter initialisation: a rule per parameter name, seeded per name (so adding one changes no other). */

import type { Params } from './layers.js';
import { derivedSeed, normals, uniformStream } from './random.js';
import { tf } from './tf.js';

/** A parameter's name and shape, as the reference state dict lists them. */
export interface ShapeEntry {
  name: string;
  shape: number[];
}

/** How one parameter starts: a constant, a normal or a uniform distribution. */
export type InitRule =
  | { kind: 'constant'; value: number }
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number };

/** Values of one parameter under `rule`, from the stream of (`seed`, `name`). */
export function initialValues(entry: ShapeEntry, rule: InitRule, seed: number): Float32Array {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  const u = uniformStream(derivedSeed(seed, `init:${entry.name}`));
  if (rule.kind === 'constant') return new Float32Array(n).fill(rule.value);
  if (rule.kind === 'normal') return normals(u, n, rule.std);
  return Float32Array.from({ length: n }, () => (2 * u() - 1) * rule.bound);
}

/** Trainable variables for every entry, initialised by `rule(entry)`. */
export function initParams(
  shapes: readonly ShapeEntry[],
  rule: (e: ShapeEntry) => InitRule,
  seed: number,
): Params {
  const p: Params = new Map();
  for (const e of shapes)
    p.set(e.name, tf.variable(tf.tensor(initialValues(e, rule(e), seed), e.shape), true, e.name));
  return p;
}

/** `fan_in` of a weight: every dimension but the first. */
export function fanIn(shape: readonly number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

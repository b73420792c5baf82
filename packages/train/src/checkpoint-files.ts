/**
 * Writing and reading training checkpoints. Every write goes to a temporary file that is renamed
 * over the target, so an interrupted run (Ctrl-C, a crash, a full disk) leaves the previous
 * checkpoint intact.
 */

import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { type CheckpointValue, type NdArray, readCheckpoint, writeCheckpointTree } from '@tokenset/tensor-io';
import type { AdamW, Ema } from './adam.js';
import { TrainError } from './errors.js';
import type { ShapeEntry } from './init.js';
import type { Params } from './layers.js';
import { tf } from './tf.js';

/** Writes a checkpoint tree atomically (temporary file, then rename). */
export async function writeTreeAtomic(path: string, tree: CheckpointValue): Promise<void> {
  const temp = `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeCheckpointTree(temp, tree);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A float32 array as a checkpoint tensor. */
export function float32(data: Float32Array, shape: readonly number[]): NdArray {
  return { dtype: 'float32', shape: [...shape], data };
}

/** Variables as an ordered state dict (their current values, copied out). */
export function stateDictOf(vars: ReadonlyMap<string, tf.Variable>): Map<string, NdArray> {
  const out = new Map<string, NdArray>();
  for (const [name, v] of vars) out.set(name, float32(v.dataSync() as Float32Array, v.shape));
  return out;
}

/** A loaded training checkpoint: tensors by group and the plain values of its `progress` dict. */
export interface LoadedState {
  /** `group -> name -> values`, e.g. `model`, `ema`, `opt`. */
  groups: Map<string, Map<string, Float32Array>>;
  /** The `progress` dict (step, usage counts, ...). */
  progress: Map<string, unknown>;
  /** What kind of run wrote it (`'tokenizer'`, `'dit1d'`, `'classifier'`). */
  kind: string;
  /** The run's settings as written (`args`), as JSON. */
  args: Record<string, unknown>;
}

/**
 * Reads a training checkpoint written by this package, checking that it is one (of `kind`): a
 * missing file, another kind of checkpoint or a corrupt file is a {@link TrainError} naming it.
 */
export async function readTrainingState(path: string, kind: string): Promise<LoadedState> {
  let checkpoint: Awaited<ReturnType<typeof readCheckpoint>>;
  try {
    checkpoint = await readCheckpoint(path);
  } catch (error) {
    const message = (error as Error).message;
    throw new TrainError(`--resume ${path}: expected a training checkpoint, got ${message}`);
  }
  try {
    const root = checkpoint.root;
    const progress = root instanceof Map ? root.get('progress') : undefined;
    const wrote = progress instanceof Map ? progress.get('kind') : undefined;
    if (!(progress instanceof Map) || wrote !== kind) {
      throw new TrainError(
        `--resume ${path}: expected a ${kind} training checkpoint (with a 'progress' entry of kind '${kind}'), got ${
          wrote === undefined ? 'a checkpoint without training progress' : `one of kind '${String(wrote)}'`
        }`,
      );
    }
    const groups = new Map<string, Map<string, Float32Array>>();
    for (const [name, ref] of checkpoint.tensors()) {
      const dot = name.indexOf('.');
      if (dot < 0) continue;
      const group = name.slice(0, dot);
      if (!groups.has(group)) groups.set(group, new Map());
      groups.get(group)!.set(name.slice(dot + 1), (await ref.read()) as Float32Array);
    }
    const argsJson = root instanceof Map ? root.get('args_json') : undefined;
    return {
      groups,
      progress,
      kind,
      args: typeof argsJson === 'string' ? (JSON.parse(argsJson) as Record<string, unknown>) : {},
    };
  } finally {
    await checkpoint.close();
  }
}

/**
 * The weights of a generator checkpoint in the released layout (`fsdd_*.pth`, as `trainDiT1D`
 * writes it): its `ema` state dict, else its `model`. A missing, corrupt or other file is a
 * {@link TrainError} naming `what` (the flag) and the path.
 */
export async function readGeneratorWeights(
  path: string,
  what: string,
): Promise<{ group: 'ema' | 'model'; weights: Map<string, Float32Array> }> {
  return readFloat32Weights(path, what, 'a DiT1D checkpoint', (root) => {
    const group =
      root instanceof Map ? (['ema', 'model'] as const).find((g) => root.get(g) instanceof Map) : undefined;
    if (group === undefined) {
      throw new TrainError(
        `${what} ${path}: expected a DiT1D checkpoint with an 'ema' or 'model' state dict, got ${describeRoot(root)}`,
      );
    }
    return group;
  });
}

/**
 * The weights of a plain state dict (tensors at the top level): a tokenizer checkpoint as
 * `set_tokenizer_*.pth` and `trainTokenizer`'s `tokenizer.pth`, or a classifier's `classifier.pth`;
 * `kind` names which in errors. A missing, corrupt or other file is a {@link TrainError} naming
 * `what` (the flag) and the path; names and sizes are the caller's to check.
 */
export async function readStateDict(
  path: string,
  what: string,
  kind: 'tokenizer' | 'classifier',
): Promise<Map<string, Float32Array>> {
  const { weights } = await readFloat32Weights(path, what, `a ${kind} state dict`, (root) => {
    const plain = root instanceof Map && [...root.values()].some((v) => isTensorLike(v));
    if (!plain) {
      throw new TrainError(
        `${what} ${path}: expected a ${kind} state dict (tensors at the top level), got ${describeRoot(root)}`,
      );
    }
    return undefined;
  });
  return weights;
}

/** Reads every float32 tensor under the group `pick` chooses (the whole file for `undefined`). */
async function readFloat32Weights<G extends string | undefined>(
  path: string,
  what: string,
  expected: string,
  pick: (root: unknown) => G,
): Promise<{ group: G; weights: Map<string, Float32Array> }> {
  let checkpoint: Awaited<ReturnType<typeof readCheckpoint>>;
  try {
    checkpoint = await readCheckpoint(path);
  } catch (error) {
    throw new TrainError(`${what} ${path}: expected ${expected}, got ${(error as Error).message}`);
  }
  try {
    const group = pick(checkpoint.root);
    const prefix = group === undefined ? undefined : `${group}.`;
    const weights = new Map<string, Float32Array>();
    for (const [name, ref] of checkpoint.tensors(prefix)) {
      const data = await ref.read();
      if (!(data instanceof Float32Array))
        throw new TrainError(
          `${what} ${path}: expected float32 weights, got ${ref.dtype} for '${prefix ?? ''}${name}'`,
        );
      weights.set(name, data);
    }
    return { group, weights };
  } finally {
    await checkpoint.close();
  }
}

/** A checkpoint's root in a few words: its first entries' names, or that it is a single value. */
function describeRoot(root: unknown): string {
  return root instanceof Map ? `entries ${listed([...root.keys()].map(String))}` : 'a single value';
}

/** Whether a checkpoint value is a tensor (not a dict, list or plain value). */
function isTensorLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !(v instanceof Map) && !Array.isArray(v) && 'dtype' in v;
}

/** Up to four names, then how many there are in all. */
function listed(names: string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')}, … (${names.length} in all)`;
}

/** Copies saved values into variables, checking every name and size. */
export function restoreVariables(
  vars: ReadonlyMap<string, tf.Variable>,
  saved: Map<string, Float32Array> | undefined,
  what: string,
  assign: (v: tf.Variable, data: Float32Array) => void,
): void {
  if (saved === undefined) throw new TrainError(`checkpoint: expected a '${what}' group, got none`);
  for (const [name, v] of vars) {
    const data = saved.get(name);
    if (data === undefined || data.length !== v.size) {
      throw new TrainError(
        `checkpoint: expected '${what}.${name}' with ${v.size} values, got ${data === undefined ? 'none' : data.length}`,
      );
    }
    assign(v, data);
  }
}

/** Settings a resumed run may change: its length, and (float summation order only) its threads. */
const FREE_ON_RESUME = new Set(['steps', 'workers', 'init']);
/** Settings that name files: a resumed run must have one where the run had one, at any path. */
const PATHS = new Set(['tokenizer', 'perceptual']);

/**
 * Checks that a resumed run computes its steps as the run it continues did: every setting the
 * checkpoint's `args` recorded must be this run's too (`now`), except its length (`steps`), its
 * `workers` and where its weights first came from (`init`); file settings must be present, at any
 * path. Settings an older checkpoint does not record are not checked. One clear error before any work.
 */
export function checkResumedArgs(
  path: string,
  saved: Readonly<Record<string, unknown>>,
  now: Readonly<Record<string, unknown>>,
): void {
  const show = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));
  for (const key of Object.keys(saved)) {
    if (FREE_ON_RESUME.has(key)) continue;
    const same = PATHS.has(key)
      ? (saved[key] === undefined) === (now[key] === undefined)
      : JSON.stringify(saved[key]) === JSON.stringify(now[key]);
    if (!same) {
      throw new RangeError(
        `--resume ${path}: the run was trained with ${key} ${show(saved[key])}; expected the same, got ${show(now[key])}`,
      );
    }
  }
}

/** The number of blocks `{prefix}0.…` to `{prefix}{n-1}.…` in a checkpoint's weights (0 when none). */
export function blockCount(weights: ReadonlyMap<string, Float32Array>, prefix: string): number {
  let count = 0;
  for (const name of weights.keys()) {
    if (!name.startsWith(prefix)) continue;
    const index = Number.parseInt(name.slice(prefix.length), 10);
    if (index >= count) count = index + 1;
  }
  return count;
}

/**
 * The first parameter of `shapes` whose value count `weights` does not match (missing counts as
 * none), for a check of loaded weights before any work; undefined when all fit.
 */
export function firstSizeMismatch(
  shapes: readonly ShapeEntry[],
  weights: ReadonlyMap<string, Float32Array>,
): { name: string; size: number; got: number | undefined } | undefined {
  for (const { name, shape } of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const got = weights.get(name)?.length;
    if (got !== size) return { name, size, got };
  }
  return undefined;
}

/** The training-state tree every run writes: model, optimizer moments, EMA (if any), progress and settings. */
export function trainingStateTree(
  params: Params,
  optimizer: AdamW,
  progress: Record<string, CheckpointValue>,
  args: object,
  ema?: Ema,
): CheckpointValue {
  const tree: Record<string, CheckpointValue> = {
    model: stateDictOf(params),
    opt: new Map([...optimizer.state()].map(([k, v]) => [k, float32(v, [v.length])])),
    progress: { ...progress, step: optimizer.step },
    args_json: JSON.stringify(args),
  };
  if (ema !== undefined) tree.ema = stateDictOf(ema.shadow);
  return tree;
}

/** Restores model, optimizer (and EMA) from a loaded state; returns the step to continue from. */
export function resumeInto(
  state: LoadedState,
  path: string,
  params: Params,
  optimizer: AdamW,
  ema?: Ema,
): number {
  const assign = (v: tf.Variable, d: Float32Array) => v.assign(tf.tensor(d, v.shape));
  restoreVariables(params, state.groups.get('model'), 'model', assign);
  const opt = state.groups.get('opt');
  if (opt === undefined) throw new TrainError(`--resume ${path}: expected optimizer state, got none`);
  const step = Number(state.progress.get('step'));
  if (!Number.isInteger(step) || step < 0)
    throw new TrainError(`--resume ${path}: expected a step count, got ${String(step)}`);
  optimizer.restore(opt, step);
  if (ema !== undefined) restoreVariables(ema.shadow, state.groups.get('ema'), 'ema', assign);
  return step;
}

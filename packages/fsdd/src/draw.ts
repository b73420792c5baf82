import { assertInteger, assertNumericArray, describeValue } from '@tokenset/set-codec';
import {
  drawFull,
  drawKept,
  drawsFirst,
  type FilterWork,
  filterWork,
  normaliseKept,
  nucleus,
  topKIndices,
} from './categorical.js';
import { checkStrategy, type DrawStrategy } from './draw-strategy.js';
import { FsddError } from './errors.js';
import { f32 } from './float32.js';
import { type AdjustMode, adjustRow, adjustWork } from './greedy-adjust.js';
import type { Uniform } from './random.js';
import { REFERENCE_SAMPLER } from './sampler-presets.js';

function checkProbs(probs: unknown, numClasses: number): number {
  if (!(probs instanceof Float32Array)) {
    throw new TypeError(`probs: expected a Float32Array, got ${describeValue(probs)}`);
  }
  const K = assertInteger('numClasses', numClasses, 1);
  if (probs.length === 0 || probs.length % K !== 0) {
    throw new RangeError(
      `probs: expected a positive multiple of numClasses ${K} values, got ${probs.length}`,
    );
  }
  return K;
}

function invalid(probs: Float32Array, o: number, K: number): FsddError {
  const values = Array.from(probs.subarray(o, o + K));
  const bad = values.find((v) => !(v >= 0) || v === Number.POSITIVE_INFINITY);
  const what = bad === undefined ? 'zero total mass' : `the value ${bad}`;
  return new FsddError(
    `distribution ${o / K}: expected finite non-negative probabilities with positive mass, got ${what}`,
  );
}

function filtered(
  probs: Float32Array,
  K: number,
  select: (o: number, work: FilterWork) => number,
): Float32Array {
  const out = new Float32Array(probs.length);
  const work = filterWork(K);
  for (let o = 0; o < probs.length; o += K) {
    const n = select(o, work);
    if (n < 0 || !normaliseKept(probs, o, n, work)) throw invalid(probs, o, K);
    for (let j = 0; j < n; j++) out[o + work.kept[j]] = work.weights[j];
  }
  return out;
}

/**
 * The top-p (nucleus) filter of flows.py `greedy_topp_or_topk_sample`, per distribution of
 * `numClasses` values: sort descending (stable), keep values while the float32 cumulative sum before
 * them is ≤ p (always the first), renormalise (float32), scatter back.
 *
 * @param probs - `Float32Array [n·K]`.
 * @param p - in (0, 1].
 * @param numClasses - K.
 * @returns the filtered, renormalised `Float32Array [n·K]`.
 * @throws FsddError for a distribution with NaN, negative, infinite values or zero mass.
 */
export function topP(probs: Float32Array, p: number, numClasses: number): Float32Array {
  const K = checkProbs(probs, numClasses);
  checkStrategy('topP', { kind: 'topP', p }, K);
  return filtered(probs, K, (o, work) => {
    work.p = f32(p);
    return nucleus(probs, o, K, work);
  });
}

/**
 * The top-k filter of flows.py `greedy_topp_or_topk_sample`: keep the k largest values of each
 * distribution (stable ties: lower index), renormalise (float32), scatter back.
 *
 * @returns the filtered, renormalised `Float32Array [n·K]`.
 */
export function topK(probs: Float32Array, k: number, numClasses: number): Float32Array {
  const K = checkProbs(probs, numClasses);
  checkStrategy('topK', { kind: 'topK', k }, K);
  return filtered(probs, K, (o, work) => {
    work.k = k;
    return topKIndices(probs, o, K, work);
  });
}

/**
 * Draws one value per distribution with the given strategy (no adjustment): distribution j of
 * `count` (starting at `probs[po]`) takes the uniform `uniforms[j]`; writes `out[oo + j]`. Returns -1,
 * or the first j whose distribution is invalid.
 */
export function drawDistributions(
  probs: Float32Array,
  po: number,
  count: number,
  K: number,
  strategy: DrawStrategy,
  uniforms: Float64Array,
  out: Int32Array,
  oo: number,
  work: FilterWork,
): number {
  if (strategy.kind === 'multinomial') {
    for (let j = 0; j < count; j++) {
      const idx = drawFull(probs, po + j * K, K, uniforms, j);
      if (idx < 0) return j;
      out[oo + j] = idx;
    }
  } else {
    // top-p or top-k: the filter, then the draw over the kept weights (skipped when certainly 0)
    const isTopP = strategy.kind === 'topP';
    if (isTopP) work.p = f32(strategy.p);
    else work.k = strategy.k;
    for (let j = 0; j < count; j++) {
      const o = po + j * K;
      if (drawsFirst(probs, o, K, uniforms, j)) {
        out[oo + j] = 0;
        continue;
      }
      const n = isTopP ? nucleus(probs, o, K, work) : topKIndices(probs, o, K, work);
      if (n < 0 || !normaliseKept(probs, o, n, work)) return j;
      out[oo + j] = drawKept(n, K, uniforms, j, work);
    }
  }
  return -1;
}

/** Whether a strategy's draw is adjusted to the fixed sum at time t (flows.py `sample_prob`). */
export function adjustsAt(strategy: DrawStrategy, t: number, adjustFrom: number): boolean {
  return strategy.kind === 'multinomial' || f32(t) >= f32(adjustFrom);
}

/** Options of {@link drawCounts}. */
export interface DrawCountsOptions {
  /** How to draw (default top-p 0.8, the reference's x0 default). */
  strategy?: DrawStrategy;
  /** Number of rows B; each row has C = length / (B·K) entries (default 1). */
  batch?: number;
  /** The fixed sum M for the adjustment. */
  setSize: number;
  /** K, values per distribution (default M+1, the denoiser's counts 0..M; the Gaussian's is M). */
  numClasses?: number;
  /** The current time t: top-p/top-k draws are adjusted only when t ≥ `adjustFrom` (default 0). */
  t?: number;
  /** Default: the `reference` preset's (sample.py `--adjust_step`). */
  adjustFrom?: number;
  /** Adjustment variant (default `'reference'`). */
  adjust?: AdjustMode;
  /** The uniforms, one per entry, row-major over (B, C) like `torch.multinomial` (default `Math.random`). */
  uniform?: Uniform;
}

/**
 * One draw of counts from per-entry distributions and the greedy adjustment, as flows.py
 * `sample_prob`: top-p / top-k draws are adjusted to the fixed sum only when t ≥ adjustFrom; a
 * multinomial draw always is.
 *
 * @param probs - `Float32Array [B·C·K]`.
 * @returns `Int32Array [B·C]`.
 * @throws FsddError if a distribution is invalid (checked before any uniform is taken, as the reference).
 *
 * @example
 * ```ts
 * const x0 = drawCounts(probs, { batch: 2, setSize: 8, t: 0.9, strategy: { kind: 'topK', k: 2 } });
 * ```
 */
export function drawCounts(probs: Float32Array, options: DrawCountsOptions): Int32Array {
  const batch = assertInteger('batch', options.batch ?? 1, 1);
  const M = assertInteger('setSize', options.setSize, 1);
  assertNumericArray('probs', probs);
  if (probs.length === 0 || probs.length % batch !== 0) {
    throw new RangeError(`probs: expected a positive multiple of batch ${batch} values, got ${probs.length}`);
  }
  const strategy = options.strategy ?? REFERENCE_SAMPLER.x0;
  const perRow = probs.length / batch;
  const K = assertInteger('numClasses', options.numClasses ?? M + 1, 1);
  if (perRow % K !== 0) {
    throw new RangeError(`probs: expected B·C·K values with K = ${K}, got ${probs.length}`);
  }
  checkProbs(probs, K);
  checkStrategy('strategy', strategy, K);
  const C = perRow / K;
  const work = filterWork(K);
  const out = new Int32Array(batch * C);
  // validate everything first: the reference raises before taking any uniform
  const zero = new Float64Array(1);
  for (let o = 0; o < probs.length; o += K) {
    if (drawDistributions(probs, o, 1, K, strategy, zero, out, 0, work) >= 0) throw invalid(probs, o, K);
  }
  const next = options.uniform ?? Math.random;
  const uniforms = Float64Array.from({ length: batch * C }, () => next());
  drawDistributions(probs, 0, batch * C, K, strategy, uniforms, out, 0, work);
  if (adjustsAt(strategy, options.t ?? 0, options.adjustFrom ?? REFERENCE_SAMPLER.adjustFrom)) {
    const aw = adjustWork(C);
    for (let b = 0; b < batch; b++) {
      adjustRow(
        out,
        b * C,
        C,
        { probs, offset: b * C * K, classes: K },
        M,
        options.adjust ?? 'reference',
        aw,
      );
    }
  }
  return out;
}

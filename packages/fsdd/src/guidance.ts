import { assertInteger, assertNumericArray } from '@tokenset/set-codec';
import type { Denoiser } from './denoiser.js';
import { f32 } from './float32.js';
import { REFERENCE_SAMPLER } from './sampler-presets.js';

/**
 * Classifier-free guidance scale(s):
 * - a number: a fixed scale (1 = no guidance);
 * - an array or the reference's string form `"4_50_55"`: an interval schedule, the scales for
 *   equal thirds (in general n equal parts) of t — scale i applies where t ≥ i/n (models.py
 *   `forward_with_cfg`; default of sample.py: `"4_50_55"`);
 * - `'none'`: no guidance.
 */
export type Guidance = number | string | readonly number[];

/** A parsed guidance: the interval scales (one entry = a fixed scale), or null for none. */
export type GuidanceSchedule = Float64Array | null;

/**
 * Parses a {@link Guidance}. The reference's rules: a number > 1 or any interval string turns guidance on;
 * a scale of exactly 1 without an interval means the plain conditional model (`forward_softmax`).
 *
 * @example
 * ```ts
 * parseGuidance('4_50_55'); // Float64Array [4, 50, 55]
 * parseGuidance(1); // null
 * ```
 */
export function parseGuidance(guidance: Guidance): GuidanceSchedule {
  if (guidance === 'none') return null;
  if (typeof guidance === 'number') {
    if (!Number.isFinite(guidance) || guidance < 1) {
      throw new RangeError(`guidance: expected a scale >= 1 (the reference asserts it), got ${guidance}`);
    }
    return guidance === 1 ? null : Float64Array.of(guidance);
  }
  let parts: number[];
  if (typeof guidance === 'string') {
    const text = guidance.trim();
    parts =
      text === ''
        ? []
        : text
            .split('_')
            .map((s) => (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : Number.NaN));
  } else if (Array.isArray(guidance)) {
    parts = guidance.map(Number);
  } else {
    throw new TypeError(
      `guidance: expected a number, an array of scales or a string like "4_50_55", got ${typeof guidance}`,
    );
  }
  if (parts.length === 0 || parts.some((v) => !Number.isFinite(v))) {
    throw new RangeError(
      `guidance: expected a scale, 'none', or interval scales like "4_50_55", got ${JSON.stringify(guidance)}`,
    );
  }
  return Float64Array.from(parts);
}

/**
 * The guidance scale at time t (models.py `forward_with_cfg`): with n interval scales, the last i
 * with t ≥ i/n, compared in float32 like the reference (so t = float32(4/6) < float32(2/3) takes
 * the middle scale).
 */
export function guidanceScale(schedule: Float64Array, t: number): number {
  const n = schedule.length;
  const tf = f32(t);
  let i = n - 1;
  for (; i >= 0; i--) if (tf >= f32(i / n)) break;
  return schedule[Math.max(i, 0)];
}

/**
 * Probability-space guidance of one batch of distributions (models.py `forward_with_cfg`):
 * `clamp(u + s·(c - u), min 0)` renormalised over each group of `numClasses` values, in float32.
 *
 * @param cond - conditional probabilities `[n·K]`.
 * @param uncond - unconditional (null-label) probabilities `[n·K]`.
 * @param scale - the guidance scale s.
 * @param numClasses - K, values per distribution (M+1).
 * @param out - optional output buffer `[n·K]` (may be `cond`).
 * @returns the guided distributions. A group whose clamped values are all zero comes out NaN, as in
 *   the reference.
 *
 * @example
 * ```ts
 * const guided = guide(cond, uncond, 4, 129);
 * ```
 */
export function guide(
  cond: Float32Array,
  uncond: Float32Array,
  scale: number,
  numClasses: number,
  out: Float32Array = new Float32Array(cond.length),
): Float32Array {
  assertNumericArray('cond', cond);
  assertNumericArray('uncond', uncond);
  const K = assertInteger('numClasses', numClasses, 1);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) {
    throw new RangeError(`scale: expected a finite number, got ${scale}`);
  }
  if (cond.length % K !== 0)
    throw new RangeError(`cond: expected a multiple of ${K} values, got ${cond.length}`);
  if (uncond.length !== cond.length) {
    throw new RangeError(`uncond: expected length ${cond.length} (as cond), got ${uncond.length}`);
  }
  if (out.length !== cond.length)
    throw new RangeError(`out: expected length ${cond.length}, got ${out.length}`);
  guideRange(cond, 0, uncond, 0, cond.length / K, K, f32(scale), out, 0);
  return out;
}

/** {@link guide} over `groups` distributions at the given offsets; no checks, no allocation. */
export function guideRange(
  cond: Float32Array,
  condOffset: number,
  uncond: Float32Array,
  uncondOffset: number,
  groups: number,
  K: number,
  scale32: number,
  out: Float32Array,
  outOffset: number,
): void {
  for (let g = 0; g < groups; g++) {
    const c0 = condOffset + g * K;
    const u0 = uncondOffset + g * K;
    const o0 = outOffset + g * K;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const u = uncond[u0 + k];
      const raw = f32(u + f32(scale32 * f32(cond[c0 + k] - u)));
      // clamp(min=0) without a branch (guided values are negative at random): exact for float32
      // values, and NaN stays NaN as with torch.clamp
      const v = (raw + Math.abs(raw)) * 0.5;
      out[o0 + k] = v;
      sum += v;
    }
    const total = f32(sum);
    for (let k = 0; k < K; k++) out[o0 + k] = f32(out[o0 + k] / total);
  }
}

/** Options of {@link guidedDenoiser}. */
export interface GuidedDenoiserOptions {
  /** The guidance (default the reference's `"4_50_55"`). */
  guidance?: Guidance;
  /** The null label used for the unconditional half (default `model.numClasses`). */
  nullLabel?: number;
  /**
   * Write the guided distributions here (`[B·C·(M+1)]`, e.g. in shared memory) instead of a
   * buffer of the wrapper's own; the batch size must then stay B.
   */
  output?: Float32Array;
  /** Accumulates the time of the model calls and of the guidance combination. */
  timing?: GuidanceTiming;
}

/** Milliseconds spent by a {@link guidedDenoiser}, summed over its calls. */
export interface GuidanceTiming {
  /** In the wrapped model's calls (on the doubled batch). */
  modelMs: number;
  /** In the guidance combination. */
  guideMs: number;
}

/**
 * Wraps an unguided model in classifier-free guidance, as the reference's `forward_with_cfg`
 * (models.py): each call runs the model once on the doubled batch `[counts; counts]` with labels
 * `[labels; null]`, then mixes `clamp(u + s(c - u), 0)` renormalised, with s from the schedule at
 * each row's t (the reference reads t[0]; the sampler gives all rows the same t). Returns only the B
 * guided rows (the reference returns them twice). With no guidance (`1` or `'none'`) the model is
 * returned unchanged.
 *
 * The returned denoiser reuses its buffers between calls (no allocation per step once the batch
 * size is known).
 *
 * @example
 * ```ts
 * const guided = guidedDenoiser(dit, { guidance: '4_50_55' });
 * const probs = await guided.probabilities(counts, t, labels); // [B·C·(M+1)]
 * ```
 */
export function guidedDenoiser(model: Denoiser, options: GuidedDenoiserOptions = {}): Denoiser {
  const schedule = parseGuidance(options.guidance ?? REFERENCE_SAMPLER.guidance);
  if (schedule === null) return model;
  const C = model.codebookSize;
  const K = model.setSize + 1;
  const nullLabel = assertInteger('nullLabel', options.nullLabel ?? model.numClasses, 0);
  let counts2 = new Int32Array(0);
  let t2 = new Float32Array(0);
  let labels2 = new Int32Array(0);
  let out = options.output ?? new Float32Array(0);
  const timing = options.timing;
  return {
    codebookSize: model.codebookSize,
    setSize: model.setSize,
    numClasses: model.numClasses,
    async probabilities(counts: Int32Array, t: Float32Array, labels: Int32Array): Promise<Float32Array> {
      const B = t.length;
      if (counts.length !== B * C)
        throw new RangeError(`counts: expected length ${B * C}, got ${counts.length}`);
      if (labels.length !== B) throw new RangeError(`labels: expected length ${B}, got ${labels.length}`);
      if (t2.length !== 2 * B) {
        counts2 = new Int32Array(2 * B * C);
        t2 = new Float32Array(2 * B);
        labels2 = new Int32Array(2 * B);
        if (out.length !== B * C * K) {
          if (options.output) {
            throw new RangeError(`output: expected length ${B * C * K} (B·C·K), got ${out.length}`);
          }
          out = new Float32Array(B * C * K);
        }
      }
      counts2.set(counts, 0);
      counts2.set(counts, B * C);
      t2.set(t, 0);
      t2.set(t, B);
      labels2.set(labels, 0);
      labels2.fill(nullLabel, B);
      const called = performance.now();
      const probs = await model.probabilities(counts2, t2, labels2);
      const returned = performance.now();
      if (probs.length !== 2 * B * C * K) {
        throw new RangeError(`model.probabilities: expected ${2 * B}×${C}×${K} values, got ${probs.length}`);
      }
      for (let b = 0; b < B; b++) {
        const scale32 = f32(guidanceScale(schedule, t[b]));
        guideRange(probs, b * C * K, probs, (B + b) * C * K, C, K, scale32, out, b * C * K);
      }
      if (timing) {
        timing.modelMs += returned - called;
        timing.guideMs += performance.now() - returned;
      }
      return out;
    },
  };
}

import { assertInteger, describeValue } from '@tokenset/set-codec';
import { f32, SQRT_2PI_F32 } from './float32.js';

/**
 * Beyond |k - mean| > 14.6σ the float32 exponent is below -106 and `exp` underflows to exactly 0
 * in float32, so those values need not be computed (the result is identical).
 */
const WINDOW_SIGMAS = 14.6;

/**
 * The fixed part of a discretised Gaussian: k = 0..M-1 and the constant written as √(2π). Passed as
 * an object (not as double arguments, which V8 boxes in calls it does not inline).
 */
export interface GaussianSpec {
  /** M: values k = 0..M-1. */
  M: number;
  /** float32 √(2π) (sampler) or √6 (training loop). */
  sqrtTwoPi: number;
}

/**
 * Whether the discretised Gaussian at (`means[i]`, `sigmas[i]`) over k = 0..M-1 has any float32
 * mass. The float32 density is monotone in |k - mean|, so the two nearest k decide.
 */
export function hasMass(spec: GaussianSpec, means: Float32Array, sigmas: Float32Array, i: number): boolean {
  const mean = means[i];
  const sigma = sigmas[i];
  const M = spec.M;
  const coefficient = f32(1 / f32(sigma * spec.sqrtTwoPi));
  const k0 = Math.min(Math.max(Math.floor(mean), 0), M - 1);
  const k1 = Math.min(Math.max(Math.floor(mean) + 1, 0), M - 1);
  const q0 = f32(f32(k0 - mean) / sigma);
  const q1 = f32(f32(k1 - mean) / sigma);
  const d0 = f32(coefficient * f32(Math.exp(f32(-0.5 * f32(q0 * q0)))));
  const d1 = f32(coefficient * f32(Math.exp(f32(-0.5 * f32(q1 * q1)))));
  return d0 > 0 || d1 > 0;
}

/**
 * Writes the normalised discretised Gaussian of entry i (mean `means[i]`, σ `sigmas[i]`) into
 * `out[o + k]` for k in the window `[lo, hi]` (returned in `window[0..1]`), computed in float32 as
 * the reference's tensor expression `1/(σ√(2π))·exp(-½((k - z)/σ)²)`, then divided by its float32
 * sum. Values outside the window are exactly zero (the exponent is below -106) and not written.
 * Returns 1, or 0 when there is no mass (nothing normalised: the reference gets NaN from 0/0).
 */
export function gaussianWindow(
  spec: GaussianSpec,
  means: Float32Array,
  sigmas: Float32Array,
  i: number,
  out: Float32Array,
  o: number,
  window: Int32Array,
): number {
  const mean = means[i];
  const sigma = sigmas[i];
  const coefficient = f32(1 / f32(sigma * spec.sqrtTwoPi));
  const reach = WINDOW_SIGMAS * sigma + 1e-3;
  const lo = Math.max(Math.ceil(mean - reach), 0);
  const hi = Math.min(Math.floor(mean + reach), spec.M - 1);
  let sum = 0;
  for (let k = lo; k <= hi; k++) {
    const q = f32(f32(k - mean) / sigma);
    const d = f32(coefficient * f32(Math.exp(f32(-0.5 * f32(q * q)))));
    out[o + k] = d;
    sum += d;
  }
  window[0] = lo;
  window[1] = hi;
  // torch sums the float32 row; the double sum rounded once is its correctly rounded value.
  const total = f32(sum);
  if (!(total > 0)) return 0;
  for (let k = lo; k <= hi; k++) out[o + k] = f32(out[o + k] / total);
  return 1;
}

/** Options of {@link discretizedGaussian}. */
export interface DiscretizedGaussianOptions {
  /**
   * The constant written as √(2π) (it cancels in the normalisation but shapes float32 rounding and
   * underflow). Default: float32 √(2π), as the sampler. The training loop's value is √6
   * (`SQRT_6_F32`, a quirk of its integer-typed constant).
   */
  sqrtTwoPi?: number;
}

/**
 * The Gaussian discretised on k = 0..M-1 and renormalised, per entry (flows.py `FSDD.sample`,
 * train.py): `pdf_k ∝ exp(-½((k - mean)/σ)²)/(σ√(2π))`, computed in float32 like the reference.
 * An entry whose density underflows everywhere has no mass: like the reference (0/0) its row is
 * NaN — the sampler detects this and falls back to rounding.
 *
 * @param mean - `Float32Array [n]` (z_t).
 * @param sigma - `Float32Array [n]` (σ > 0).
 * @param setSize - M: the number of values k = 0..M-1.
 * @returns `Float32Array [n·M]`.
 *
 * @example
 * ```ts
 * const pdf = discretizedGaussian(Float32Array.of(2.3), Float32Array.of(0.5), 8);
 * ```
 */
export function discretizedGaussian(
  mean: Float32Array,
  sigma: Float32Array,
  setSize: number,
  options: DiscretizedGaussianOptions = {},
): Float32Array {
  if (!(mean instanceof Float32Array))
    throw new TypeError(`mean: expected a Float32Array, got ${describeValue(mean)}`);
  if (!(sigma instanceof Float32Array)) {
    throw new TypeError(`sigma: expected a Float32Array, got ${describeValue(sigma)}`);
  }
  const M = assertInteger('setSize', setSize, 1);
  if (sigma.length !== mean.length) {
    throw new RangeError(`sigma: expected length ${mean.length} (as mean), got ${sigma.length}`);
  }
  const sqrtTwoPi = options.sqrtTwoPi ?? SQRT_2PI_F32;
  const out = new Float32Array(mean.length * M);
  const window = new Int32Array(2);
  const spec: GaussianSpec = { M, sqrtTwoPi };
  for (let i = 0; i < mean.length; i++) {
    const m = mean[i];
    const s = sigma[i];
    if (!Number.isFinite(m)) throw new RangeError(`mean[${i}]: expected a finite value, got ${m}`);
    if (!(s > 0) || !Number.isFinite(s))
      throw new RangeError(`sigma[${i}]: expected a positive value, got ${s}`);
    if (gaussianWindow(spec, mean, sigma, i, out, i * M, window) === 0)
      out.fill(Number.NaN, i * M, (i + 1) * M);
  }
  return out;
}

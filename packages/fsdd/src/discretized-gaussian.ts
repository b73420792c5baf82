import { assertInteger, assertNumericArray } from '@tokenset/set-codec';
import { f32, SQRT_2PI_F32 } from './float32.js';

/**
 * Beyond |k - mean| > 14.6σ the float32 exponent is below -106 and `exp` underflows to exactly 0
 * in float32, so those values need not be computed (the result is identical).
 */
const WINDOW_SIGMAS = 14.6;

/** Float32 Gaussian density at k, as the reference's tensor expression (flows.py / train.py). */
function density(k: number, mean: number, sigma: number, coefficient: number): number {
  const q = f32(f32(k - mean) / sigma);
  const exponent = f32(-0.5 * f32(q * q));
  return f32(coefficient * f32(Math.exp(exponent)));
}

/** `1 / (σ·√(2π))` in float32. */
export function gaussianCoefficient(sigma: number, sqrtTwoPi: number): number {
  return f32(1 / f32(sigma * sqrtTwoPi));
}

/**
 * Whether the discretised Gaussian at (mean, σ) over k = 0..M-1 has any float32 mass: the density
 * is monotone in |k - mean|, so checking the nearest k suffices.
 */
export function hasMass(mean: number, sigma: number, M: number, sqrtTwoPi: number): boolean {
  const coefficient = gaussianCoefficient(sigma, sqrtTwoPi);
  let k0 = Math.floor(mean);
  let k1 = k0 + 1;
  k0 = k0 < 0 ? 0 : Math.min(k0, M - 1);
  k1 = k1 < 0 ? 0 : Math.min(k1, M - 1);
  return density(k0, mean, sigma, coefficient) > 0 || density(k1, mean, sigma, coefficient) > 0;
}

/**
 * Writes the normalised discretised Gaussian of one entry into `out[o + k]` for k in the window
 * `[lo, hi]` (returned through `window[0..1]`); values outside the window are exactly zero and not
 * written. Returns the float32 normaliser (0 when there is no mass: the reference then produces NaN).
 */
export function gaussianWindow(
  mean: number,
  sigma: number,
  M: number,
  sqrtTwoPi: number,
  out: Float32Array,
  o: number,
  window: Int32Array,
): number {
  const coefficient = gaussianCoefficient(sigma, sqrtTwoPi);
  const reach = WINDOW_SIGMAS * sigma + 1e-3;
  let lo = Math.ceil(mean - reach);
  let hi = Math.floor(mean + reach);
  if (lo < 0) lo = 0;
  if (hi > M - 1) hi = M - 1;
  let sum = 0;
  for (let k = lo; k <= hi; k++) {
    const d = density(k, mean, sigma, coefficient);
    out[o + k] = d;
    sum += d;
  }
  // torch sums the float32 row; the double sum rounded once is its correctly rounded value.
  const total = f32(sum);
  if (total > 0) for (let k = lo; k <= hi; k++) out[o + k] = f32(out[o + k] / total);
  window[0] = lo;
  window[1] = hi;
  return total;
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
  assertNumericArray('mean', mean);
  assertNumericArray('sigma', sigma);
  const M = assertInteger('setSize', setSize, 1);
  if (sigma.length !== mean.length) {
    throw new RangeError(`sigma: expected length ${mean.length} (as mean), got ${sigma.length}`);
  }
  const sqrtTwoPi = options.sqrtTwoPi ?? SQRT_2PI_F32;
  const out = new Float32Array(mean.length * M);
  const window = new Int32Array(2);
  for (let i = 0; i < mean.length; i++) {
    const m = mean[i];
    const s = sigma[i];
    if (!Number.isFinite(m)) throw new RangeError(`mean[${i}]: expected a finite value, got ${m}`);
    if (!(s > 0) || !Number.isFinite(s))
      throw new RangeError(`sigma[${i}]: expected a positive value, got ${s}`);
    const total = gaussianWindow(f32(m), f32(s), M, sqrtTwoPi, out, i * M, window);
    if (total === 0) out.fill(Number.NaN, i * M, (i + 1) * M);
  }
  return out;
}

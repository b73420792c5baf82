import { discretizedGaussian, SQRT_2PI_F32 } from '@tokenset/fsdd';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f32 = Math.fround;

/** Every k computed, no window: the reference expression in float32. */
function naive(mean: number, sigma: number, M: number): number[] {
  const coefficient = f32(1 / f32(sigma * SQRT_2PI_F32));
  const pdf = Array.from({ length: M }, (_, k) => {
    const q = f32(f32(k - mean) / sigma);
    return f32(coefficient * f32(Math.exp(f32(-0.5 * f32(q * q)))));
  });
  const total = f32(pdf.reduce((s, v) => s + v, 0));
  return pdf.map((v) => f32(v / total));
}

describe('discretizedGaussian', () => {
  it('equals the full computation over every k (the window skips only exact zeros)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 130 }),
        fc.double({ min: -20, max: 150, noNaN: true }),
        fc.oneof(
          fc.double({ min: 1e-6, max: 1e-3, noNaN: true }),
          fc.double({ min: 1e-3, max: 60, noNaN: true }),
        ),
        (M, mean, sigma) => {
          const m = f32(mean);
          const s = f32(sigma);
          const out = Array.from(discretizedGaussian(Float32Array.of(m), Float32Array.of(s), M));
          const expected = naive(m, s, M);
          expect(out).toEqual(expected);
        },
      ),
      { seed: 5, numRuns: 500 },
    );
  });
  it('a Gaussian without mass on 0..M-1 comes out NaN, as the reference (0/0)', () => {
    const out = discretizedGaussian(Float32Array.of(3.5, 40), Float32Array.of(1e-6, 1e-6), 8);
    expect(Array.from(out.subarray(0, 8)).every(Number.isNaN)).toBe(true);
    expect(Array.from(out.subarray(8)).every(Number.isNaN)).toBe(true);
  });
  it('rejects bad input', () => {
    expect(() => discretizedGaussian(Float32Array.of(1), Float32Array.of(0), 8)).toThrow(
      'sigma[0]: expected a positive value, got 0',
    );
    expect(() => discretizedGaussian(Float32Array.of(1, 2), Float32Array.of(1), 8)).toThrow(
      /sigma: expected length 2/,
    );
    expect(() => discretizedGaussian(Float32Array.of(Number.NaN), Float32Array.of(1), 8)).toThrow(
      /mean\[0\]/,
    );
  });
});

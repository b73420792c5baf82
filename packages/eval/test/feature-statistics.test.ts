import { FeatureStatistics, MetricError } from '@tokenset/eval';
import { describe, expect, it } from 'vitest';
import { npy, relativeMaxError, uniforms } from './fixture.js';

describe('FeatureStatistics', () => {
  for (const set of ['a', 'b']) {
    it(`gives torch-fidelity's mu (float32) and sigma (np.cov) for features_${set} within 1e-6`, async () => {
      const features = (await npy(`fid/features_${set}`)).data as Float32Array;
      const stats = new FeatureStatistics(256).add(features).statistics({ mu: 'float32' });
      expect(relativeMaxError(stats.mu, (await npy(`fid/mu_${set}`)).data as Float32Array)).toBeLessThan(
        1e-6,
      );
      expect(
        relativeMaxError(stats.sigma, (await npy(`fid/sigma_${set}`)).data as Float64Array),
      ).toBeLessThan(1e-6);
      const f64 = new FeatureStatistics(256).add(features).statistics({ mu: 'float64' });
      expect(relativeMaxError(f64.mu, (await npy(`fid/mu_${set}`)).data as Float32Array)).toBeLessThan(1e-6);
    });
  }

  it('merges shards to the same sums as one pass (any split, any order)', () => {
    const next = uniforms(3);
    const dim = 7;
    const features = Float64Array.from({ length: 23 * dim }, () => next() * 4 - 1);
    const whole = new FeatureStatistics(dim).add(features);
    const first = new FeatureStatistics(dim).add(features.subarray(0, 5 * dim));
    const second = new FeatureStatistics(dim).add(features.subarray(5 * dim, 16 * dim));
    const third = new FeatureStatistics(dim).add(features.subarray(16 * dim));
    const merged = third.merge(first).merge(second);
    expect(merged.count).toBe(23);
    expect(relativeMaxError(merged.sum, whole.sum)).toBeLessThan(1e-15);
    expect(relativeMaxError(merged.covariance(), whole.covariance())).toBeLessThan(1e-13);
    // Integer-valued features make every sum exact: the merge is then bit-identical.
    const ints = Float64Array.from(features, (v) => Math.round(v * 100));
    const a = new FeatureStatistics(dim).add(ints);
    const b = new FeatureStatistics(dim)
      .add(ints.subarray(0, 9 * dim))
      .merge(new FeatureStatistics(dim).add(ints.subarray(9 * dim)));
    expect(b.sumOuter).toEqual(a.sumOuter);
    expect(b.statistics()).toEqual(a.statistics());
  });

  it('covariance equals the two-pass definition', () => {
    const next = uniforms(9);
    const dim = 5;
    const n = 70; // more than one block of 64 rows
    const x = Float32Array.from({ length: n * dim }, () => next());
    const sigma = new FeatureStatistics(dim).add(x).covariance();
    const mean = Array.from({ length: dim }, (_, c) => {
      let s = 0;
      for (let r = 0; r < n; r++) s += x[r * dim + c];
      return s / n;
    });
    const direct = new Float64Array(dim * dim);
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += (x[r * dim + i] - mean[i]) * (x[r * dim + j] - mean[j]);
        direct[i * dim + j] = s / (n - 1);
      }
    expect(relativeMaxError(sigma, direct)).toBeLessThan(1e-12);
  });

  it('rejects dimension mismatches and bad input', () => {
    const stats = new FeatureStatistics(4);
    expect(() => stats.add(new Float32Array(6))).toThrow(MetricError);
    expect(() => stats.add(new Float32Array(6))).toThrow(/dimension mismatch/);
    expect(() => stats.add([1, 2, 3, 4] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => stats.add(Float32Array.of(1, Number.NaN, 0, 0))).toThrow(RangeError);
    expect(() => stats.merge(new FeatureStatistics(5))).toThrow(/expected 4-dimensional/);
    expect(() => stats.covariance()).toThrow(/at least 2/);
    expect(() => new FeatureStatistics(0)).toThrow(RangeError);
  });
});

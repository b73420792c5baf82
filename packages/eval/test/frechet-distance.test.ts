import {
  cholesky,
  FeatureStatistics,
  frechetDistance,
  frechetDistanceParts,
  MetricError,
  symmetricEigenvalues,
} from '@tokenset/eval';
import { describe, expect, it } from 'vitest';
import { json, npy, uniforms } from './fixture.js';

interface Expected {
  fid: number;
  fid_sqrtm: number;
}

async function referenceStatistics(set: string) {
  return {
    mu: Float64Array.from((await npy(`fid/mu_${set}`)).data as Float32Array),
    sigma: (await npy(`fid/sigma_${set}`)).data as Float64Array,
  };
}

describe('frechetDistance', () => {
  it("equals torch-fidelity's fid (eigenvalues of σa·σb) within 1e-6 relative, and scipy sqrtm's", async () => {
    const expected = await json<Expected>('fid/expected.json');
    const a = await referenceStatistics('a');
    const b = await referenceStatistics('b');
    const fid = frechetDistance(a, b);
    expect(Math.abs(fid / expected.fid - 1)).toBeLessThan(1e-6);
    expect(Math.abs(fid / expected.fid_sqrtm - 1)).toBeLessThan(1e-6);
    // Symmetric in its arguments (the other Cholesky factor).
    expect(Math.abs(frechetDistance(b, a) / expected.fid - 1)).toBeLessThan(1e-6);
  });

  it('matches from statistics computed from the features', async () => {
    const expected = await json<Expected>('fid/expected.json');
    const a = new FeatureStatistics(256).add((await npy('fid/features_a')).data as Float32Array).statistics();
    const b = new FeatureStatistics(256).add((await npy('fid/features_b')).data as Float32Array).statistics();
    expect(Math.abs(frechetDistance(a, b) / expected.fid - 1)).toBeLessThan(1e-6);
  });

  it('is 0 for identical statistics and handles singular covariances', () => {
    const next = uniforms(11);
    const dim = 6;
    // Only 4 samples in 6 dimensions: rank-deficient covariances, neither is positive definite.
    const a = new FeatureStatistics(dim).add(Float64Array.from({ length: 4 * dim }, next)).statistics();
    const b = new FeatureStatistics(dim).add(Float64Array.from({ length: 4 * dim }, next)).statistics();
    const same = frechetDistanceParts(a, a);
    expect(same.factored).toBe('pivoted');
    // Zero eigenvalues of σa² come out at round-off level (~1e-17), whose square roots (~3e-9)
    // remain: the same happens in torch-fidelity's formula.
    expect(Math.abs(same.distance)).toBeLessThan(1e-7);
    // Against a full-rank b the Cholesky of b is used; it must agree with the eigen path.
    const full = new FeatureStatistics(dim).add(Float64Array.from({ length: 40 * dim }, next)).statistics();
    const viaB = frechetDistanceParts(a, full);
    expect(viaB.factored).toBe('b');
    const viaA = frechetDistanceParts(full, a);
    expect(viaA.factored).toBe('a');
    expect(Math.abs(viaB.distance - viaA.distance)).toBeLessThan(1e-12);
    expect(frechetDistance(a, b)).toBeGreaterThan(0);
  });

  it('takes every path with work arrays in WebAssembly memory (d ≥ 32)', () => {
    const next = uniforms(13);
    const dim = 40;
    const few = (rows: number) =>
      new FeatureStatistics(dim).add(Float64Array.from({ length: rows * dim }, next)).statistics();
    const singularA = few(12);
    const singularB = few(15);
    const full = few(200);
    expect(frechetDistanceParts(singularA, singularB).factored).toBe('pivoted');
    const viaB = frechetDistanceParts(singularA, full);
    const viaA = frechetDistanceParts(full, singularA);
    expect(viaB.factored).toBe('b');
    expect(viaA.factored).toBe('a');
    expect(Math.abs(viaB.distance / viaA.distance - 1)).toBeLessThan(1e-10);
  });

  it('handles few samples in many dimensions quickly (pivoted Cholesky), symmetric in a and b', () => {
    const next = uniforms(17);
    const dim = 300;
    const few = (rows: number, shift: number) =>
      new FeatureStatistics(dim)
        .add(Float64Array.from({ length: rows * dim }, (_, i) => next() + (i % dim) * shift))
        .statistics();
    const a = few(20, 0.001);
    const b = few(33, 0.002);
    const ab = frechetDistanceParts(a, b);
    const ba = frechetDistanceParts(b, a);
    expect(ab.factored).toBe('pivoted');
    // Round-off eigenvalues (their square roots ~1e-9) differ between the two factorisations.
    expect(Math.abs(ab.distance / ba.distance - 1)).toBeLessThan(1e-7);
    expect(Math.abs(frechetDistance(a, a))).toBeLessThan(1e-6);
  });

  it('rejects dimension mismatches', () => {
    const a = { mu: new Float64Array(3), sigma: new Float64Array(9) };
    expect(() => frechetDistance(a, { mu: new Float64Array(4), sigma: new Float64Array(16) })).toThrow(
      MetricError,
    );
    expect(() => frechetDistance(a, { mu: new Float64Array(3), sigma: new Float64Array(8) })).toThrow(
      /dimension mismatch/,
    );
    expect(() => frechetDistance(a, { mu: [0, 0, 0], sigma: new Float64Array(9) } as never)).toThrow(
      TypeError,
    );
  });
});

describe('dense float64 kernels', () => {
  it('cholesky reproduces A and refuses an indefinite matrix', () => {
    const next = uniforms(5);
    const n = 11;
    const x = Array.from({ length: n * n }, () => next() - 0.5);
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? 0.1 : 0;
        for (let k = 0; k < n; k++) s += x[i * n + k] * x[j * n + k];
        A[i * n + j] = s;
      }
    const L = cholesky(A, n);
    expect(L).not.toBeNull();
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += (L as Float64Array)[i * n + k] * (L as Float64Array)[j * n + k];
        expect(Math.abs(s - A[i * n + j])).toBeLessThan(1e-13);
      }
    expect(cholesky(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
  });

  it('symmetricEigenvalues finds known spectra', () => {
    // Q·diag(λ)·Qᵀ with Q a product of reflections.
    const n = 9;
    const lambda = [-3, -1, 0, 0.5, 1, 2, 2, 7, 11];
    const v = Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const norm2 = v.reduce((s, x) => s + x * x, 0);
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) {
          const qik = (i === k ? 1 : 0) - (2 * v[i] * v[k]) / norm2;
          const qjk = (j === k ? 1 : 0) - (2 * v[j] * v[k]) / norm2;
          s += qik * lambda[k] * qjk;
        }
        A[i * n + j] = s;
      }
    const found = symmetricEigenvalues(A, n, { copy: true });
    for (const [i, l] of lambda.entries()) expect(Math.abs(found[i] - l)).toBeLessThan(1e-12);
  });
});

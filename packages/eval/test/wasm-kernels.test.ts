import { describe, expect, it } from 'vitest';
import { cholesky, choleskyWith } from '../src/cholesky.js';
import { block4x4, rowDotProducts } from '../src/dense-kernels.js';
import { SweepHelper } from '../src/sweep-helper.js';
import { symmetricEigenvalues, tridiagonalize, tridiagonalQL } from '../src/symmetric-eigen.js';
import { Float64Arena } from '../src/wasm-kernels.js';
import { uniforms } from './fixture.js';

// The WebAssembly SIMD kernels and their TypeScript fallbacks must agree (up to summation order).
function randomSymmetric(n: number, seed: number): Float64Array {
  const next = uniforms(seed);
  const x = Float64Array.from({ length: n * n }, () => next() - 0.5);
  const A = new Float64Array(n * n);
  rowDotProducts(x, x, A, n, { lowerOnly: false });
  for (let i = 0; i < n; i++) A[i * n + i] += 0.5;
  return A;
}

const arena = Float64Arena.create(8 * 70 * 70 + 1000);

describe('WebAssembly SIMD kernels', () => {
  it('are available on this Node.js', () => {
    expect(arena).not.toBeNull();
  });

  it('dot4x4 matches the TypeScript block for even and odd ranges', () => {
    const a = arena as Float64Arena;
    const n = 13;
    const A = a.alloc(n * n);
    const B = a.alloc(n * n);
    const next = uniforms(2);
    for (let i = 0; i < n * n; i++) {
      A[i] = next();
      B[i] = next() - 0.5;
    }
    for (const [from, to] of [
      [0, 13],
      [2, 12],
      [4, 4],
      [6, 11],
    ]) {
      const wasm = new Float64Array(16);
      const js = new Float64Array(16);
      a.dot4x4(A, B, n, 5, 8, from, to, wasm, 0, 4);
      block4x4(A, B, n, 5, 8, from, to, js, 0, 4);
      for (let i = 0; i < 16; i++) expect(Math.abs(wasm[i] - js[i])).toBeLessThan(1e-14);
    }
  });

  it('row products, Cholesky and eigenvalues agree with the fallbacks (n not a multiple of 4)', () => {
    const a = Float64Arena.create(8 * 67 * 67 + 1000) as Float64Arena;
    const n = 67;
    const S = randomSymmetric(n, 4);
    const Sa = a.alloc(n * n);
    Sa.set(S);
    const Cw = a.alloc(n * n);
    const Cj = new Float64Array(n * n);
    rowDotProducts(Sa, Sa, Cw, n, { lowerOnly: true, startA: (i) => i, arena: a });
    rowDotProducts(S, S, Cj, n, { lowerOnly: true, startA: (i) => i });
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) expect(Math.abs(Cw[i * n + j] - Cj[i * n + j])).toBeLessThan(1e-12);
    const Lw = cholesky(S, n, a) as Float64Array;
    const Lj = cholesky(S, n) as Float64Array;
    for (let i = 0; i < n * n; i++) expect(Math.abs(Lw[i] - Lj[i])).toBeLessThan(1e-12);
    const Mw = a.alloc(n * n);
    Mw.set(S);
    const ew = symmetricEigenvalues(Mw, n, { arena: a });
    const ej = symmetricEigenvalues(S, n, { copy: true });
    for (let i = 0; i < n; i++) expect(Math.abs(ew[i] - ej[i])).toBeLessThan(1e-11 * Math.abs(ej[n - 1]));
  });

  it('the tridiagonalisation gives the same eigenvalues with its rows split over a helper thread', async () => {
    const n = 601; // odd, so some passes leave the main thread an odd last row
    const a = Float64Arena.create(2 * n * n + 8 * n) as Float64Arena;
    const helper = SweepHelper.start(a, n);
    expect(helper).not.toBeNull();
    const h = helper as SweepHelper;
    try {
      for (let wait = 0; wait < 500 && !h.ready; wait++) await new Promise((r) => setTimeout(r, 10));
      expect(h.ready).toBe(true);
      const S = randomSymmetric(n, 9);
      const Sa = a.alloc(n * n);
      Sa.set(S);
      const d = new Float64Array(n);
      const e = new Float64Array(n);
      tridiagonalize(Sa, n, d, e, a, h);
      tridiagonalQL(d, e);
      d.sort();
      const ej = symmetricEigenvalues(S, n, { copy: true });
      for (let i = 0; i < n; i++) expect(Math.abs(d[i] - ej[i])).toBeLessThan(1e-11 * Math.abs(ej[n - 1]));
    } finally {
      h.close();
    }
  });

  it('row dot products split over the helper thread give the same bits for both rules', async () => {
    const n = 522; // not a multiple of 4: the remainder rows stay with the main thread
    const a = Float64Arena.create(6 * n * n + 8 * n) as Float64Arena;
    const helper = SweepHelper.start(a, n) as SweepHelper;
    expect(helper).not.toBeNull();
    try {
      for (let wait = 0; wait < 500 && !helper.ready; wait++) await new Promise((r) => setTimeout(r, 10));
      expect(helper.ready).toBe(true);
      const next = uniforms(11);
      const A = a.alloc(n * n);
      const B = a.alloc(n * n);
      for (let i = 0; i < n * n; i++) {
        A[i] = next() - 0.5;
        B[i] = next() - 0.5;
      }
      const upper = { lowerOnly: true, startA: (i: number) => i, arena: a };
      const band = { lowerOnly: true, startB: (j: number) => j, endA: (i: number) => i + 1, arena: a };
      for (const [options, rule] of [
        [upper, 'upper'],
        [band, 'band'],
      ] as const) {
        const serial = a.alloc(n * n);
        const split = a.alloc(n * n);
        rowDotProducts(A, B, serial, n, options);
        rowDotProducts(A, B, split, n, { ...options, parallel: { helper, rule } });
        let differing = 0;
        for (let i = 0; i < n; i++)
          for (let j = 0; j <= i; j++) if (split[i * n + j] !== serial[i * n + j]) differing++;
        expect(differing).toBe(0);
      }
    } finally {
      helper.close();
    }
  });

  it('the Cholesky factor with panels shared with the helper thread has the same bits', async () => {
    const n = 601; // 601 mod 4 = 1: a partial last block row, kept by the main thread
    const a = Float64Arena.create(3 * n * n + 8 * n) as Float64Arena;
    const helper = SweepHelper.start(a, n) as SweepHelper;
    expect(helper).not.toBeNull();
    try {
      for (let wait = 0; wait < 500 && !helper.ready; wait++) await new Promise((r) => setTimeout(r, 10));
      expect(helper.ready).toBe(true);
      const S = randomSymmetric(n, 13);
      const serial = cholesky(S, n, a) as Float64Array;
      const split = choleskyWith(S, n, a, helper) as Float64Array;
      let differing = 0;
      for (let i = 0; i < n * n; i++) if (split[i] !== serial[i]) differing++;
      expect(differing).toBe(0);
      const indefinite = S.slice();
      indefinite[(n - 3) * n + (n - 3)] = -1;
      expect(choleskyWith(indefinite, n, a, helper)).toBeNull();
    } finally {
      helper.close();
    }
  });
});

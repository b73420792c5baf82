import { block4x4 } from './dense-kernels.js';
import type { Float64Arena } from './wasm-kernels.js';

/**
 * Cholesky factor `L` (lower triangular, `A = L·Lᵀ`) of a symmetric positive-definite row-major
 * `n×n` float64 matrix, or `null` when `A` is not numerically positive definite (a pivot ≤ 0).
 * Only the lower triangle of `A` is read; the result is a new `n×n` array with zeros above the
 * diagonal. Rows are computed four at a time so the bulk of the work is 4×4 blocks of dot products
 * (in WebAssembly SIMD when an `arena` is given; `L` is then allocated in it).
 */
export function cholesky(A: Float64Array, n: number, arena?: Float64Arena | null): Float64Array | null {
  const L = arena ? arena.alloc(n * n) : new Float64Array(n * n);
  const S = new Float64Array(16);
  for (let i0 = 0; i0 < n; i0 += 4) {
    const iEnd = Math.min(i0 + 4, n);
    // Off-diagonal blocks left of the diagonal block.
    for (let j0 = 0; j0 < i0; j0 += 4) {
      const full = iEnd - i0 === 4;
      if (full) {
        if (arena) arena.dot4x4(L, L, n, i0, j0, 0, j0, S, 0, 4);
        else block4x4(L, L, n, i0, j0, 0, j0, S, 0, 4);
      }
      for (let jj = j0; jj < j0 + 4; jj++) {
        const rowJ = jj * n;
        const pivot = L[rowJ + jj];
        for (let i = i0; i < iEnd; i++) {
          const rowI = i * n;
          let s = A[rowI + jj];
          if (full) {
            s -= S[(i - i0) * 4 + (jj - j0)];
            for (let k = j0; k < jj; k++) s -= L[rowI + k] * L[rowJ + k];
          } else {
            for (let k = 0; k < jj; k++) s -= L[rowI + k] * L[rowJ + k];
          }
          L[rowI + jj] = s / pivot;
        }
      }
    }
    // The diagonal block.
    for (let i = i0; i < iEnd; i++) {
      const rowI = i * n;
      for (let j = i0; j <= i; j++) {
        const rowJ = j * n;
        let s = A[rowI + j];
        for (let k = 0; k < j; k++) s -= L[rowI + k] * L[rowJ + k];
        if (j === i) {
          if (!(s > 0)) return null;
          L[rowI + i] = Math.sqrt(s);
        } else {
          L[rowI + j] = s / L[rowJ + j];
        }
      }
    }
  }
  return L;
}

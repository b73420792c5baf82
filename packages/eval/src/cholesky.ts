import { block4x4 } from './dense-kernels.js';
import type { SweepHelper } from './sweep-helper.js';
import type { Float64Arena } from './wasm-kernels.js';

/** Rows per panel: the blocks left of a panel are independent across its rows (see below). */
const PANEL = 128;
/** Panels that start this far down are worth sharing with the helper thread. */
const PARALLEL_MIN_COLUMNS = 256;

/**
 * Cholesky factor `L` (lower triangular, `A = L·Lᵀ`) of a symmetric positive-definite row-major
 * `n×n` float64 matrix, or `null` when `A` is not numerically positive definite (a pivot ≤ 0).
 * Only the lower triangle of `A` is read; the result is a new `n×n` array with zeros above the
 * diagonal. Rows are computed four at a time so the bulk of the work is 4×4 blocks of dot products
 * (in WebAssembly SIMD when an `arena` is given; `L` is then allocated in it).
 *
 * The factor is computed in place in `L` (which starts as the lower triangle of `A`), by panels of
 * rows: the blocks of a panel's rows left of the panel depend only on earlier panels and on their
 * own row, so `choleskyWith` can split them over a helper thread; then the blocks inside the panel
 * follow in order. Every entry sees the same operations in the same order either way.
 */
export function cholesky(A: Float64Array, n: number, arena?: Float64Arena | null): Float64Array | null {
  return choleskyWith(A, n, arena, null);
}

/** {@link cholesky} with a helper thread for the panels (see there), when it is ready. */
export function choleskyWith(
  A: Float64Array,
  n: number,
  arena: Float64Arena | null | undefined,
  helper: SweepHelper | null,
): Float64Array | null {
  const L = arena ? arena.alloc(n * n) : new Float64Array(n * n);
  for (let i = 0; i < n; i++) L.set(A.subarray(i * n, i * n + i + 1), i * n);
  const S = new Float64Array(16);
  const full = n - (n % 4);
  const parallel = arena?.owns(L) ? helper : null;
  for (let p = 0; p < n; p += PANEL) {
    const pEnd = Math.min(p + PANEL, n);
    const fullEnd = Math.min(pEnd, full);
    if (parallel?.ready && p >= PARALLEL_MIN_COLUMNS && fullEnd - p >= 8) {
      const split = p + 4 * Math.round((fullEnd - p) / 8);
      parallel.beginCholesky(split, fullEnd, p, L, n);
      for (let i0 = p; i0 < split; i0 += 4) leftBlocks(L, n, i0, 0, p, S, arena);
      for (let i0 = fullEnd; i0 < pEnd; i0 += 4) leftBlocks(L, n, i0, 0, p, S, arena);
      parallel.finish();
    } else {
      for (let i0 = p; i0 < pEnd; i0 += 4) leftBlocks(L, n, i0, 0, p, S, arena);
    }
    for (let i0 = p; i0 < pEnd; i0 += 4) {
      leftBlocks(L, n, i0, p, i0, S, arena);
      if (!diagonalBlock(L, n, i0)) return null;
    }
  }
  return L;
}

/**
 * The off-diagonal 4×4 blocks `j0 ∈ [jFrom, jTo)` of the rows `i0..i0+3` (fewer at the end), in
 * place: `L[i][j] = (L[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j]`, the sum up to the block's
 * start as one 4×4 block of dot products, the rest within the block.
 */
function leftBlocks(
  L: Float64Array,
  n: number,
  i0: number,
  jFrom: number,
  jTo: number,
  S: Float64Array,
  arena?: Float64Arena | null,
): void {
  const iEnd = Math.min(i0 + 4, n);
  const full = iEnd - i0 === 4;
  for (let j0 = jFrom; j0 < jTo; j0 += 4) {
    if (full) {
      if (arena) arena.dot4x4(L, L, n, i0, j0, 0, j0, S, 0, 4);
      else block4x4(L, L, n, i0, j0, 0, j0, S, 0, 4);
    }
    for (let jj = j0; jj < j0 + 4; jj++) {
      const rowJ = jj * n;
      const pivot = L[rowJ + jj];
      for (let i = i0; i < iEnd; i++) {
        const rowI = i * n;
        let s = L[rowI + jj];
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
}

/** The diagonal block of rows `i0..i0+3`, in place; false when a pivot is not positive. */
function diagonalBlock(L: Float64Array, n: number, i0: number): boolean {
  const iEnd = Math.min(i0 + 4, n);
  for (let i = i0; i < iEnd; i++) {
    const rowI = i * n;
    for (let j = i0; j <= i; j++) {
      const rowJ = j * n;
      let s = L[rowI + j];
      for (let k = 0; k < j; k++) s -= L[rowI + k] * L[rowJ + k];
      if (j === i) {
        if (!(s > 0)) return false;
        L[rowI + i] = Math.sqrt(s);
      } else {
        L[rowI + j] = s / L[rowJ + j];
      }
    }
  }
  return true;
}

import { block4x4 } from './dense-kernels.js';

/**
 * Pivoted (rank-revealing) Cholesky of a symmetric positive semi-definite row-major `n×n` matrix:
 * `A ≈ Gᵀ·G` with `G` of `rank` rows (row `t` = the t-th factor column, indexed by the original
 * rows of `A`, so no permutation is needed). Pivoting on the largest remaining diagonal stops when
 * it falls to `tolerance` (default `n·ε·max diag`, LAPACK `dpstrf`'s): the neglected remainder is
 * at round-off level.
 */
export function pivotedCholesky(
  A: Float64Array,
  n: number,
  tolerance?: number,
): { G: Float64Array; rank: number } {
  const diag = new Float64Array(n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    diag[i] = A[i * n + i];
    maxDiag = Math.max(maxDiag, diag[i]);
  }
  const tol = tolerance ?? n * Number.EPSILON * maxDiag;
  const used = new Uint8Array(n);
  const columns: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    let p = -1;
    let best = tol;
    for (let i = 0; i < n; i++) {
      if (!used[i] && diag[i] > best) {
        best = diag[i];
        p = i;
      }
    }
    if (p < 0) break;
    used[p] = 1;
    const g = new Float64Array(n);
    const pivot = Math.sqrt(diag[p]);
    g[p] = pivot;
    const rowP = p * n;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      let s = A[rowP + i];
      for (let t = 0; t < k; t++) s -= columns[t][i] * columns[t][p];
      g[i] = s / pivot;
      diag[i] -= g[i] * g[i];
    }
    columns.push(g);
  }
  const rank = columns.length;
  const G = new Float64Array(rank * n);
  for (let t = 0; t < rank; t++) G.set(columns[t], t * n);
  return { G, rank };
}

/**
 * `M = G·S·Gᵀ` (`rank×rank`, full) for `G` of `rank` rows of length `n` and a symmetric `S`:
 * `W[t] = G_t·S` (rows of S are its columns), then `M[s][t] = W_s · G_t`.
 */
export function lowRankCongruence(G: Float64Array, rank: number, S: Float64Array, n: number): Float64Array {
  const W = new Float64Array(rank * n);
  rectangularRowDots(G, rank, S, n, n, W);
  const M = new Float64Array(rank * rank);
  rectangularRowDots(W, rank, G, rank, n, M);
  return M;
}

/** `C[i][j] = A_i · B_j` for `rowsA` rows of `A` and `rowsB` rows of `B`, all of length `len`. */
function rectangularRowDots(
  A: Float64Array,
  rowsA: number,
  B: Float64Array,
  rowsB: number,
  len: number,
  C: Float64Array,
): void {
  const tile = new Float64Array(16);
  for (let i0 = 0; i0 < rowsA; i0 += 4) {
    for (let j0 = 0; j0 < rowsB; j0 += 4) {
      if (i0 + 4 <= rowsA && j0 + 4 <= rowsB) {
        block4x4Rect(A, B, len, i0, j0, tile);
        for (let r = 0; r < 4; r++)
          for (let c = 0; c < 4; c++) C[(i0 + r) * rowsB + j0 + c] = tile[r * 4 + c];
      } else {
        for (let i = i0; i < Math.min(i0 + 4, rowsA); i++) {
          for (let j = j0; j < Math.min(j0 + 4, rowsB); j++) {
            let s = 0;
            for (let k = 0; k < len; k++) s += A[i * len + k] * B[j * len + k];
            C[i * rowsB + j] = s;
          }
        }
      }
    }
  }
}

function block4x4Rect(
  A: Float64Array,
  B: Float64Array,
  len: number,
  i0: number,
  j0: number,
  tile: Float64Array,
): void {
  // block4x4 addresses rows as `index·n`, which is what a row length of `len` gives.
  block4x4(A, B, len, i0, j0, 0, len, tile, 0, 4);
}

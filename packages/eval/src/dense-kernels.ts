import type { DotsRule, SweepHelper } from './sweep-helper.js';
import type { Float64Arena } from './wasm-kernels.js';

// Cache-friendly float64 kernels on row-major square matrices. Every product here is a set of dot
// products of contiguous rows, computed four rows by four rows so that each load feeds four
// multiply-adds (V8 keeps the sixteen accumulators in registers).

/**
 * `C[i][j] = Σ_{k ≥ from(i, j)} A[i][k] · B[j][k]` for all `j ≤ i` (lower triangle) or all `j`
 * (`full`), where rows of `A`/`B` are zero before `start[i]` / `start[j]` so the sum may begin at
 * the smaller start of a block. `A`, `B` are `n×n` row-major; `C` gets `n×n` row-major values.
 */
export function rowDotProducts(
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
  n: number,
  options: {
    lowerOnly: boolean;
    startA?: (i: number) => number;
    startB?: (j: number) => number;
    /** Rows of `A` are zero from `endA(i)` on (exclusive); a block sums up to its largest end. */
    endA?: (i: number) => number;
    /** Use the WebAssembly SIMD kernel when `A` and `B` live in this arena. */
    arena?: Float64Arena | null;
    /**
     * Give the last block rows (half the work) to this helper thread when it is ready and `A`, `B`,
     * `C` live in the arena; `rule` must say what `startA`/`startB`/`endA` say (lower triangle only).
     */
    parallel?: { helper: SweepHelper | null; rule: DotsRule };
  },
): void {
  const simd = options.arena?.owns(A) && options.arena.owns(B) ? options.arena : null;
  const lowerOnly = options.lowerOnly;
  const full = n - (n % 4);
  const helper = options.parallel?.helper;
  if (simd?.owns(C) && lowerOnly && helper?.ready && full >= PARALLEL_MIN_ROWS) {
    const rule = options.parallel?.rule ?? 'upper';
    const split = splitRows(full, n, rule);
    helper.beginDots(split, full, A, B, C, n, rule);
    blockRows(A, B, C, n, options, simd, 0, split);
    helper.finish();
  } else {
    blockRows(A, B, C, n, options, simd, 0, full);
  }
  remainder(A, B, C, n, options);
}

/** Products smaller than this many rows are not worth splitting over two threads. */
const PARALLEL_MIN_ROWS = 256;

/**
 * The first block row of the helper's half of a lower-triangle product: the cost of block row `i`
 * is `(i + 4)·(n − i)` for `'upper'` (sums from the row index on) and about `i²/2` for `'band'`.
 */
function splitRows(full: number, n: number, rule: DotsRule): number {
  const cost = (i: number) => (rule === 'upper' ? (i + 4) * (n - i) : (i + 4) * (i + 4));
  let total = 0;
  for (let i = 0; i < full; i += 4) total += cost(i);
  let sum = 0;
  for (let i = 0; i < full; i += 4) {
    sum += cost(i);
    if (sum >= total / 2) return i + 4;
  }
  return full;
}

/** The full 4×4 blocks of {@link rowDotProducts} in block rows `rowFrom..rowTo-1` (multiples of 4). */
function blockRows(
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
  n: number,
  options: Parameters<typeof rowDotProducts>[4],
  simd: Float64Arena | null,
  rowFrom: number,
  rowTo: number,
): void {
  const startA = options.startA ?? (() => 0);
  const startB = options.startB ?? (() => 0);
  const endA = options.endA;
  const lowerOnly = options.lowerOnly;
  const full = n - (n % 4);
  const tile = new Float64Array(16);
  for (let i = rowFrom; i < rowTo; i++) C.fill(0, i * n, i * n + (lowerOnly ? Math.min(i + 1, full) : full));
  // Full 4×4 blocks, tiled so that a panel of B (JB rows × KC columns) stays in cache while all
  // rows of A pass over it; partial sums over the KC chunks accumulate in C.
  for (let jb = 0; jb < (lowerOnly ? rowTo : full); jb += JB) {
    const jbEnd = Math.min(jb + JB, full);
    for (let kc = 0; kc < n; kc += KC) {
      const kcEnd = Math.min(kc + KC, n);
      for (let i0 = lowerOnly ? Math.max(jb, rowFrom) : rowFrom; i0 < rowTo; i0 += 4) {
        const jEnd = lowerOnly ? Math.min(jbEnd, i0 + 4) : jbEnd;
        for (let j0 = jb; j0 < jEnd; j0 += 4) {
          const from = Math.max(startA(i0), startB(j0), kc);
          const to = endA ? Math.min(kcEnd, Math.max(endA(i0), endA(i0 + 3))) : kcEnd;
          if (from >= to) continue;
          if (simd) simd.dot4x4(A, B, n, i0, j0, from, to, tile, 0, 4);
          else block4x4(A, B, n, i0, j0, from, to, tile, 0, 4);
          for (let r = 0; r < 4; r++) {
            const row = (i0 + r) * n + j0;
            for (let c = 0; c < 4; c++) C[row + c] += tile[r * 4 + c];
          }
        }
      }
    }
  }
}

/** The entries of {@link rowDotProducts} in rows or columns past the last multiple of 4. */
function remainder(
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
  n: number,
  options: Parameters<typeof rowDotProducts>[4],
): void {
  const startA = options.startA ?? (() => 0);
  const startB = options.startB ?? (() => 0);
  const endA = options.endA;
  const lowerOnly = options.lowerOnly;
  const full = n - (n % 4);
  for (let i = 0; i < n; i++) {
    const jLimit = lowerOnly ? i + 1 : n;
    for (let j = i < full ? full : 0; j < jLimit; j++) {
      let s = 0;
      const a = i * n;
      const b = j * n;
      const to = endA ? Math.min(n, endA(i)) : n;
      for (let k = Math.max(startA(i), startB(j)); k < to; k++) s += A[a + k] * B[b + k];
      C[i * n + j] = s;
    }
  }
}

/** Rows of B per cache panel, and columns (k) per chunk: 64 × 512 × 8 bytes = 256 KiB. */
const JB = 64;
const KC = 512;

/**
 * The 4×4 block of dot products `Σ_{from ≤ k < to} A[i0+r][k] · B[j0+c][k]` (rows of stride `n`),
 * written to `C[offset + r·stride + c]`.
 */
export function block4x4(
  A: Float64Array,
  B: Float64Array,
  n: number,
  i0: number,
  j0: number,
  from: number,
  to: number,
  C: Float64Array,
  offset: number,
  stride: number,
): void {
  const a0 = i0 * n;
  const a1 = a0 + n;
  const a2 = a1 + n;
  const a3 = a2 + n;
  const b0 = j0 * n;
  const b1 = b0 + n;
  const b2 = b1 + n;
  const b3 = b2 + n;
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  for (let k = from; k < to; k++) {
    const x0 = A[a0 + k];
    const x1 = A[a1 + k];
    const x2 = A[a2 + k];
    const x3 = A[a3 + k];
    const y0 = B[b0 + k];
    const y1 = B[b1 + k];
    const y2 = B[b2 + k];
    const y3 = B[b3 + k];
    c00 += x0 * y0;
    c01 += x0 * y1;
    c02 += x0 * y2;
    c03 += x0 * y3;
    c10 += x1 * y0;
    c11 += x1 * y1;
    c12 += x1 * y2;
    c13 += x1 * y3;
    c20 += x2 * y0;
    c21 += x2 * y1;
    c22 += x2 * y2;
    c23 += x2 * y3;
    c30 += x3 * y0;
    c31 += x3 * y1;
    c32 += x3 * y2;
    c33 += x3 * y3;
  }
  const c0 = offset;
  const c1 = c0 + stride;
  const c2 = c1 + stride;
  const c3 = c2 + stride;
  C[c0] = c00;
  C[c0 + 1] = c01;
  C[c0 + 2] = c02;
  C[c0 + 3] = c03;
  C[c1] = c10;
  C[c1 + 1] = c11;
  C[c1 + 2] = c12;
  C[c1 + 3] = c13;
  C[c2] = c20;
  C[c2 + 1] = c21;
  C[c2 + 2] = c22;
  C[c2 + 3] = c23;
  C[c3] = c30;
  C[c3 + 1] = c31;
  C[c3 + 2] = c32;
  C[c3 + 3] = c33;
}

/** Copies the lower triangle of a row-major `n×n` matrix onto its upper triangle. */
export function mirrorLower(A: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[j * n + i] = A[i * n + j];
}

import { SweepHelper } from './sweep-helper.js';
import type { Float64Arena } from './wasm-kernels.js';

/** Sweeps of fewer rows are not worth handing half to the helper thread (a few µs to meet). */
const PARALLEL_MIN_ROWS = 256;
/** Matrices from this size on start a helper thread (about 30 ms to start). */
const PARALLEL_MIN_SIZE = 512;
/**
 * The main thread's share of a sweep's rows: the rows are a triangle, so the first `1/√2` of them
 * hold half the entries; slightly fewer, as the main thread also does the per-step work.
 */
const MAIN_SHARE = 0.69;

/**
 * Eigenvalues of a real symmetric `n×n` float64 matrix (row-major; only the lower triangle is
 * read), in ascending order: Householder reduction to tridiagonal form, then the implicit QL
 * algorithm with Wilkinson-type shifts. No complex arithmetic, no eigenvectors.
 *
 * @param A - the matrix; it is overwritten (used as work space) unless `copy` is true. When it lives
 *   in `arena`, the tridiagonalisation runs its inner loops in WebAssembly SIMD.
 */
export function symmetricEigenvalues(
  A: Float64Array,
  n: number,
  options: { copy?: boolean; arena?: Float64Arena | null } = {},
): Float64Array {
  return eigenvaluesWith(options.copy ? A.slice() : A, n, options.arena);
}

/**
 * {@link symmetricEigenvalues} of `A` (destroyed), with the helper thread to use for the
 * tridiagonalisation (see {@link tridiagonalize}).
 */
export function eigenvaluesWith(
  A: Float64Array,
  n: number,
  arena?: Float64Arena | null,
  helper?: SweepHelper | null,
): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(A, n, d, e, arena, helper);
  tridiagonalQL(d, e);
  return d.sort();
}

/**
 * Householder tridiagonalisation of the lower triangle of `A` (destroyed): on return `d` holds the
 * diagonal and `e[i]` the sub-diagonal element `T[i][i-1]` (`e[0] = 0`).
 *
 * Step `i` reflects row `i` onto its last entry with `P = I − u·uᵀ/h`: `p = A·u/h`,
 * `q = p − (uᵀp / 2h)·u`, `A ← A − u·qᵀ − q·uᵀ` on the leading `i×i` block. The rank-2 update of
 * step `i` and the matrix-vector product of step `i−1` are done in one pass over the rows (after
 * updating row `i−1` first, which defines the next reflector), two rows at a time: each stored
 * entry is read and written once per step and each vector element feeds two rows. With work in
 * `arena` and `n ≥ 512`, a helper thread (sweep-helper.ts) takes half of each pass's entries.
 *
 * @param helper - the helper thread to use (the caller closes it), or null for none; by default
 *   one is started for large matrices and closed on return.
 */
export function tridiagonalize(
  A: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  arena?: Float64Arena | null,
  helper?: SweepHelper | null,
): void {
  const simd = arena?.owns(A) ? arena : null;
  if (helper !== undefined) {
    tridiagonalizeWith(A, n, d, e, simd, simd ? helper : null);
    return;
  }
  const started = simd && n >= PARALLEL_MIN_SIZE ? SweepHelper.start(simd, n) : null;
  try {
    tridiagonalizeWith(A, n, d, e, simd, started);
  } finally {
    started?.close();
  }
}

function tridiagonalizeWith(
  A: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  simd: Float64Arena | null,
  helper: SweepHelper | null,
): void {
  const vector = () => (simd ? simd.alloc(n) : new Float64Array(n));
  let u = vector(); // the pending reflector
  let q = vector(); // its q: the pending update is A -= u·qᵀ + q·uᵀ
  let un = vector(); // the next reflector
  let pn = vector(); // the next matrix-vector product
  let pending = false;
  if (n > 1) {
    const i = n - 1;
    d[i] = A[i * n + i];
    const h = reflector(A, n, e, i, u);
    if (h !== 0) {
      q.fill(0, 0, i);
      updateAndMultiply(A, n, 0, i - 1, u, q, u, q, false, simd);
      finishReflector(i - 1, h, u, q);
      pending = true;
    }
  }
  for (let i = n - 2; i >= 1; i--) {
    const rowI = i * n;
    if (pending) {
      const ui = u[i];
      const qi = q[i];
      for (let k = 0; k <= i; k++) A[rowI + k] -= ui * q[k] + qi * u[k];
    }
    d[i] = A[rowI + i];
    const h = reflector(A, n, e, i, un);
    if (h !== 0) {
      pn.fill(0, 0, i);
      sweep(A, n, i - 1, u, q, un, pn, pending, simd, helper);
      finishReflector(i - 1, h, un, pn);
      const tu = u;
      u = un;
      un = tu;
      const tq = q;
      q = pn;
      pn = tq;
      pending = true;
    } else {
      if (pending) for (let j = 0; j < i; j++) updateRow(A, n, j, u, q);
      pending = false;
    }
  }
  if (n > 0) {
    if (pending) A[0] -= 2 * u[0] * q[0];
    d[0] = A[0];
    e[0] = 0;
  }
}

/**
 * The reflector of row `i` from its entries `0..i-1`, scaled by their 1-norm for safety: writes `u`
 * into `out`, `e[i] = T[i][i-1]`, and returns `h = |u|²/2` (0 when there is nothing to reflect).
 */
function reflector(A: Float64Array, n: number, e: Float64Array, i: number, out: Float64Array): number {
  const l = i - 1;
  const rowI = i * n;
  let scale = 0;
  for (let k = 0; k <= l; k++) scale += Math.abs(A[rowI + k]);
  if (l === 0 || scale === 0) {
    e[i] = A[rowI + l];
    return 0;
  }
  let h = 0;
  for (let k = 0; k <= l; k++) {
    const v = A[rowI + k] / scale;
    out[k] = v;
    h += v * v;
  }
  const f = out[l];
  const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
  e[i] = scale * g;
  h -= f * g;
  out[l] = f - g;
  return h;
}

/** Turns the accumulated `p = A·u` into `q = p/h − (uᵀp / 2h²)·u` over `0..l`. */
function finishReflector(l: number, h: number, u: Float64Array, p: Float64Array): void {
  let up = 0;
  for (let k = 0; k <= l; k++) {
    p[k] /= h;
    up += u[k] * p[k];
  }
  const K = up / (2 * h);
  for (let k = 0; k <= l; k++) p[k] -= K * u[k];
}

function updateRow(A: Float64Array, n: number, j: number, u: Float64Array, q: Float64Array): void {
  const row = j * n;
  const uj = u[j];
  const qj = q[j];
  for (let k = 0; k <= j; k++) A[row + k] -= uj * q[k] + qj * u[k];
}

/**
 * {@link updateAndMultiply} over rows `0..l`, the last ~30 % of them (half the entries) in the
 * helper thread when there is one.
 */
function sweep(
  A: Float64Array,
  n: number,
  l: number,
  u: Float64Array,
  q: Float64Array,
  v: Float64Array,
  pn: Float64Array,
  update: boolean,
  simd: Float64Arena | null,
  helper: SweepHelper | null,
): void {
  const rows = l + 1;
  if (!helper?.ready || rows < PARALLEL_MIN_ROWS) {
    updateAndMultiply(A, n, 0, l, u, q, v, pn, update, simd);
    return;
  }
  const split = 2 * Math.round((rows * MAIN_SHARE) / 2); // even, as the SIMD kernels need
  const to = split + ((rows - split) & ~1);
  helper.beginSweep(split, to, A, n, q, u, v, update);
  updateAndMultiply(A, n, 0, split - 1, u, q, v, pn, update, simd);
  if (to <= l) updateAndMultiply(A, n, to, l, u, q, v, pn, update, simd); // an odd last row
  helper.finish(pn);
}

/**
 * Over rows `from..l` (`from` even) of the lower triangle: optionally apply `A -= u·qᵀ + q·uᵀ`, then accumulate
 * `pn += A·v` (symmetric, from the lower triangle). Two rows per iteration.
 */
function updateAndMultiply(
  A: Float64Array,
  n: number,
  from: number,
  l: number,
  u: Float64Array,
  q: Float64Array,
  v: Float64Array,
  pn: Float64Array,
  update: boolean,
  simd: Float64Arena | null,
): void {
  // Without an update, u·qᵀ terms vanish by zeroing the coefficients.
  let j = from;
  if (simd) {
    // Two rows per call: the four-row kernel has to re-load its coefficients from memory (too few
    // SIMD registers) and measured about 10 % slower over a whole tridiagonalisation.
    const R = 2;
    const coefficients = new Float64Array(3 * R);
    for (; j + R - 1 <= l; j += R) {
      for (let r = 0; r < R; r++) {
        coefficients[r] = update ? u[j + r] : 0;
        coefficients[R + r] = update ? q[j + r] : 0;
        coefficients[2 * R + r] = v[j + r];
      }
      const acc = simd.rows(R, A, n, j, q, u, v, pn, coefficients);
      for (let r = 0; r < R; r++) pn[j + r] += acc[r];
      diagonalBlock(A, n, j, R, u, q, v, pn, update);
    }
  }
  for (; j + 1 <= l; j += 2) {
    const r0 = j * n;
    const r1 = r0 + n;
    const u0 = update ? u[j] : 0;
    const q0 = update ? q[j] : 0;
    const u1 = update ? u[j + 1] : 0;
    const q1 = update ? q[j + 1] : 0;
    const v0 = v[j];
    const v1 = v[j + 1];
    let acc0 = 0;
    let acc1 = 0;
    for (let k = 0; k < j; k++) {
      const qk = update ? q[k] : 0;
      const uk = update ? u[k] : 0;
      const vk = v[k];
      const a0 = A[r0 + k] - (u0 * qk + q0 * uk);
      const a1 = A[r1 + k] - (u1 * qk + q1 * uk);
      A[r0 + k] = a0;
      A[r1 + k] = a1;
      acc0 += a0 * vk;
      acc1 += a1 * vk;
      pn[k] += a0 * v0 + a1 * v1;
    }
    const qj = update ? q[j] : 0;
    const uj = update ? u[j] : 0;
    const qj1 = update ? q[j + 1] : 0;
    const uj1 = update ? u[j + 1] : 0;
    const a00 = A[r0 + j] - (u0 * qj + q0 * uj);
    const a10 = A[r1 + j] - (u1 * qj + q1 * uj);
    const a11 = A[r1 + j + 1] - (u1 * qj1 + q1 * uj1);
    A[r0 + j] = a00;
    A[r1 + j] = a10;
    A[r1 + j + 1] = a11;
    pn[j] += acc0 + a00 * v0 + a10 * v1;
    pn[j + 1] += acc1 + a10 * v0 + a11 * v1;
  }
  for (; j <= l; j++) {
    const r0 = j * n;
    const u0 = update ? u[j] : 0;
    const q0 = update ? q[j] : 0;
    const v0 = v[j];
    let acc0 = 0;
    for (let k = 0; k < j; k++) {
      const a0 = A[r0 + k] - (update ? u0 * q[k] + q0 * u[k] : 0);
      A[r0 + k] = a0;
      acc0 += a0 * v[k];
      pn[k] += a0 * v0;
    }
    const a00 = A[r0 + j] - (update ? u0 * q[j] + q0 * u[j] : 0);
    A[r0 + j] = a00;
    pn[j] += acc0 + a00 * v0;
  }
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix with diagonal `d` and sub-diagonal `e`
 * (`e[i] = T[i][i-1]`, `e[0]` ignored) by the implicit QL algorithm; `d` receives the eigenvalues
 * (unordered), `e` is destroyed.
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iter++ === 100)
          throw new Error(`tridiagonalQL: no convergence for eigenvalue ${l} after 100 iterations`);
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let underflow = false;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i];
          const b = c * e[i];
          r = hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] -= p;
            e[m] = 0;
            underflow = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (underflow) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}

/**
 * `√(x² + y²)`. `Math.hypot` guards against overflow and underflow on every call, which makes it
 * several times slower than the plain formula in V8 and dominated the QL sweeps; the plain formula
 * is used when its square is a normal finite number, `Math.hypot` otherwise.
 */
function hypot(x: number, y: number): number {
  const s = x * x + y * y;
  return s < Number.POSITIVE_INFINITY && s > 1e-290 ? Math.sqrt(s) : Math.hypot(x, y);
}

/**
 * The lower triangle of the R×R diagonal block at row/column `j`: applies the pending update and
 * adds its symmetric contributions to `pn`.
 */
function diagonalBlock(
  A: Float64Array,
  n: number,
  j: number,
  R: number,
  u: Float64Array,
  q: Float64Array,
  v: Float64Array,
  pn: Float64Array,
  update: boolean,
): void {
  for (let r = 0; r < R; r++) {
    const row = (j + r) * n;
    for (let c = 0; c <= r; c++) {
      const a = A[row + j + c] - (update ? u[j + r] * q[j + c] + q[j + r] * u[j + c] : 0);
      A[row + j + c] = a;
      pn[j + c] += a * v[j + r];
      if (c < r) pn[j + r] += a * v[j + c];
    }
  }
}

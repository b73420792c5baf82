/**
 * Eigenvalues of a real symmetric `n×n` float64 matrix (row-major; only the lower triangle is
 * read), in ascending order: Householder reduction to tridiagonal form, then the implicit QL
 * algorithm with Wilkinson-type shifts. No complex arithmetic, no eigenvectors.
 *
 * @param A - the matrix; it is overwritten (used as work space) unless `copy` is true.
 */
export function symmetricEigenvalues(
  A: Float64Array,
  n: number,
  options: { copy?: boolean } = {},
): Float64Array {
  const work = options.copy ? A.slice() : A;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(work, n, d, e);
  tridiagonalQL(d, e);
  return d.sort();
}

/**
 * Householder tridiagonalisation of the lower triangle of `A` (destroyed): on return `d` holds the
 * diagonal and `e[i]` the sub-diagonal element `T[i][i-1]` (`e[0] = 0`). Each step reflects row `i`
 * onto its last entry, streaming the active lower triangle row by row (contiguous in row-major).
 */
export function tridiagonalize(A: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  const u = new Float64Array(n);
  const p = new Float64Array(n);
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const rowI = i * n;
    let scale = 0;
    for (let k = 0; k <= l; k++) scale += Math.abs(A[rowI + k]);
    if (l === 0 || scale === 0) {
      e[i] = A[rowI + l];
      d[i] = A[rowI + i];
      continue;
    }
    let h = 0;
    for (let k = 0; k <= l; k++) {
      const v = A[rowI + k] / scale;
      u[k] = v;
      h += v * v;
    }
    const f = u[l];
    const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
    e[i] = scale * g;
    h -= f * g; // = |u|²/2 once u[l] is replaced below
    u[l] = f - g;
    // p = A_sub · u / h, from the lower triangle (each stored entry used for both halves).
    p.fill(0, 0, i);
    for (let j = 0; j <= l; j++) {
      const rowJ = j * n;
      const uj = u[j];
      let acc = 0;
      for (let k = 0; k < j; k++) {
        const a = A[rowJ + k];
        acc += a * u[k];
        p[k] += a * uj;
      }
      p[j] += acc + A[rowJ + j] * uj;
    }
    let upSum = 0;
    for (let k = 0; k <= l; k++) {
      p[k] /= h;
      upSum += u[k] * p[k];
    }
    const K = upSum / (2 * h);
    for (let k = 0; k <= l; k++) p[k] -= K * u[k]; // p becomes q
    // A_sub -= u·qᵀ + q·uᵀ (lower triangle).
    for (let j = 0; j <= l; j++) {
      const rowJ = j * n;
      const uj = u[j];
      const qj = p[j];
      for (let k = 0; k <= j; k++) A[rowJ + k] -= uj * p[k] + qj * u[k];
    }
    d[i] = A[rowI + i];
  }
  d[0] = A[0];
  e[0] = 0;
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
        let r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let underflow = false;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i];
          const b = c * e[i];
          r = Math.hypot(f, g);
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

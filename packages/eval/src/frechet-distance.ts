import { describe } from '@tokenset/tensor-io';
import { choleskyWith } from './cholesky.js';
import { rowDotProducts } from './dense-kernels.js';
import { MetricError } from './errors.js';
import type { Statistics } from './feature-statistics.js';
import { lowRankCongruence, pivotedCholesky } from './pivoted-cholesky.js';
import { SweepHelper } from './sweep-helper.js';
import { eigenvaluesWith, symmetricEigenvalues } from './symmetric-eigen.js';
import { Float64Arena } from './wasm-kernels.js';

/** The parts of a Fréchet distance. */
export interface FrechetDistanceParts {
  /** The distance `|μa − μb|² + tr σa + tr σb − 2·tr √(σa·σb)`. */
  distance: number;
  /** `|μa − μb|²`. */
  meanTerm: number;
  /** `tr √(σa·σb)` = Σ √λ over the eigenvalues λ of σa·σb (negative round-off eigenvalues count 0). */
  traceSqrt: number;
  /**
   * Which matrix was factored: `'a'` or `'b'` (Cholesky), or `'pivoted'` (both singular: a
   * rank-revealing Cholesky of σa, and the eigenvalues of the small `G·σb·Gᵀ`).
   */
  factored: 'a' | 'b' | 'pivoted';
}

/** What the Fréchet distance reads of a set of statistics: the mean and the covariance. */
export type StatisticsLike = Pick<Statistics, 'mu' | 'sigma'>;

/**
 * The Fréchet distance between two Gaussians given by `mu`/`sigma` (FID when they are InceptionV3
 * pool statistics), in float64 with real arithmetic only.
 *
 * torch-fidelity (`fid_statistics_to_metric`) sums `Re √λ` over the eigenvalues of the
 * non-symmetric `σa·σb`. The same eigenvalues are those of the symmetric `Lᵀ·σb·L` with
 * `σa = L·Lᵀ` (Cholesky), which we reduce to tridiagonal form and solve by implicit QL; negative
 * round-off eigenvalues contribute 0, exactly as the real part of a complex square root does. If
 * `σa` is not positive definite the roles swap; if neither is (fewer samples than dimensions), a
 * pivoted Cholesky `σa ≈ Gᵀ·G` of rank r gives the nonzero eigenvalues as those of the r×r
 * `G·σb·Gᵀ`. The O(d³) loops run in WebAssembly SIMD (f64x2) when available and, from 512
 * dimensions on, the Cholesky factorisation, the congruence and the tridiagonalisation share their
 * rows with a helper thread (`worker_threads`; it does not keep the process alive and stops on
 * return).
 */
export function frechetDistance(a: StatisticsLike, b: StatisticsLike): number {
  return frechetDistanceParts(a, b).distance;
}

/** {@link frechetDistance} with its terms, for reports and debugging. */
export function frechetDistanceParts(a: StatisticsLike, b: StatisticsLike): FrechetDistanceParts {
  const d = checkStatistics(a, 'a');
  const db = checkStatistics(b, 'b');
  if (d !== db) {
    throw new MetricError(`b: expected ${d}-dimensional statistics like a (dimension mismatch), got ${db}`);
  }
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mu[i] - b.mu[i]) ** 2;
  let traceA = 0;
  let traceB = 0;
  for (let i = 0; i < d; i++) {
    traceA += a.sigma[i * d + i];
    traceB += b.sigma[i * d + i];
  }
  const sa = a.sigma instanceof Float64Array ? a.sigma : Float64Array.from(a.sigma);
  const sb = b.sigma instanceof Float64Array ? b.sigma : Float64Array.from(b.sigma);
  // Work arrays live in one WebAssembly memory so the SIMD kernels can run on them: two Cholesky
  // factors at most (a failed one keeps its space), Lᵀ, H (then Yᵀ), Y, M and M2, and the reflector
  // vectors.
  const arena = d >= 32 ? Float64Arena.create(7 * d * d + 8 * d) : null;
  // From 512 dimensions on, a second thread shares the O(d³) loops; it takes work once it is ready
  // (about 30 ms after the start, during the first Cholesky panels).
  const helper = arena && d >= PARALLEL_MIN_SIZE ? SweepHelper.start(arena, d) : null;
  let solved: { eigenvalues: Float64Array; factored: FrechetDistanceParts['factored'] };
  try {
    solved = eigenvaluesOfProduct(sa, sb, d, arena, helper);
  } finally {
    helper?.close();
  }
  let traceSqrt = 0;
  for (const lambda of solved.eigenvalues) if (lambda > 0) traceSqrt += Math.sqrt(lambda);
  return {
    distance: meanTerm + traceA + traceB - 2 * traceSqrt,
    meanTerm,
    traceSqrt,
    factored: solved.factored,
  };
}

/** Matrices from this size on start a helper thread (about 30 ms to start). */
const PARALLEL_MIN_SIZE = 512;

/** The eigenvalues of `σa·σb` (see {@link frechetDistance}) and which matrix was factored. */
function eigenvaluesOfProduct(
  sa: Float64Array,
  sb: Float64Array,
  d: number,
  arena: Float64Arena | null,
  helper: SweepHelper | null,
): { eigenvalues: Float64Array; factored: FrechetDistanceParts['factored'] } {
  let factored: FrechetDistanceParts['factored'] = 'a';
  let eigenvalues: Float64Array;
  const La = choleskyWith(sa, d, arena, helper);
  if (La) {
    eigenvalues = eigenvaluesWith(congruence(La, sb, d, arena, helper), d, arena, helper);
  } else {
    const Lb = choleskyWith(sb, d, arena, helper);
    if (Lb) {
      factored = 'b';
      eigenvalues = eigenvaluesWith(congruence(Lb, sa, d, arena, helper), d, arena, helper);
    } else {
      factored = 'pivoted';
      const { G, rank } = pivotedCholesky(sa, d);
      eigenvalues =
        rank > 0 ? symmetricEigenvalues(lowRankCongruence(G, rank, sb, d), rank) : new Float64Array(0);
    }
  }
  return { eigenvalues, factored };
}

/**
 * `M = Lᵀ·S·L` (lower triangle) for a lower-triangular factor `L` and a symmetric `S`, using the
 * symmetry of `S` to save a quarter of the work: with `S = H + Hᵀ` (`H` = lower triangle of `S`,
 * diagonal halved), `Y = H·L` is lower triangular and `M = X + Xᵀ` for `X = Lᵀ·Y`, so
 * `M[i][j] = Σ_{k≥i} (Lᵀ[i][k]·Yᵀ[j][k] + Yᵀ[i][k]·Lᵀ[j][k])` for `j ≤ i`: d³/2 multiply-adds in
 * all instead of 2d³/3. Every entry is a dot product of two contiguous rows.
 */
function congruence(
  L: Float64Array,
  S: Float64Array,
  n: number,
  arena: Float64Arena | null,
  helper: SweepHelper | null,
): Float64Array {
  const alloc = (length: number) => (arena ? arena.alloc(length) : new Float64Array(length));
  const Lt = transpose(L, n, alloc(n * n));
  const H = alloc(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < i; k++) H[row + k] = S[row + k];
    H[row + i] = 0.5 * S[row + i];
  }
  // Y[i][j] = H_i · (Lᵀ)_j over j ≤ k ≤ i.
  const Y = alloc(n * n);
  const band = { helper, rule: 'band' } as const;
  const upper = { helper, rule: 'upper' } as const;
  rowDotProducts(H, Lt, Y, n, {
    lowerOnly: true,
    startB: (j) => j,
    endA: (i) => i + 1,
    arena,
    parallel: band,
  });
  const Yt = transpose(Y, n, H); // H is no longer needed
  const M = alloc(n * n);
  const M2 = alloc(n * n);
  rowDotProducts(Lt, Yt, M, n, { lowerOnly: true, startA: (i) => i, arena, parallel: upper });
  rowDotProducts(Yt, Lt, M2, n, { lowerOnly: true, startA: (i) => i, arena, parallel: upper });
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j <= i; j++) M[row + j] += M2[row + j];
  }
  return M;
}

function transpose(A: Float64Array, n: number, T: Float64Array): Float64Array {
  const B = 32;
  for (let i0 = 0; i0 < n; i0 += B) {
    for (let j0 = 0; j0 < n; j0 += B) {
      const iEnd = Math.min(i0 + B, n);
      const jEnd = Math.min(j0 + B, n);
      for (let i = i0; i < iEnd; i++) for (let j = j0; j < jEnd; j++) T[j * n + i] = A[i * n + j];
    }
  }
  return T;
}

function checkStatistics(s: StatisticsLike, name: string): number {
  if (typeof s !== 'object' || s === null)
    throw new TypeError(`${name}: expected { mu, sigma }, got ${describe(s)}`);
  const { mu, sigma } = s as { mu: unknown; sigma: unknown };
  if (!(mu instanceof Float64Array || mu instanceof Float32Array)) {
    throw new TypeError(`${name}.mu: expected a Float64Array or Float32Array, got ${describe(mu)}`);
  }
  if (!(sigma instanceof Float64Array || sigma instanceof Float32Array)) {
    throw new TypeError(`${name}.sigma: expected a Float64Array or Float32Array, got ${describe(sigma)}`);
  }
  const d = mu.length;
  if (sigma.length !== d * d) {
    throw new MetricError(
      `${name}.sigma: expected ${d}×${d} = ${d * d} values to match mu (dimension mismatch), got ${sigma.length}`,
    );
  }
  return d;
}

import { describe } from '@tokenset/tensor-io';
import { block4x4 } from './dense-kernels.js';
import { MetricError } from './errors.js';
import { Float64Arena } from './wasm-kernels.js';

/** Mean and covariance of a feature set, the inputs of the Fréchet distance. */
export interface Statistics {
  /** Mean, length `dim` (float64; values of a float32 file are widened exactly). */
  mu: Float64Array;
  /** Covariance, row-major `dim×dim`, float64. */
  sigma: Float64Array;
  /** Feature dimension. */
  dim: number;
}

/** Options of {@link FeatureStatistics.statistics}. */
export interface StatisticsOptions {
  /**
   * Precision of `mu`: `'float32'` (default) gives torch-fidelity's value bit for bit (`np.mean` of
   * float32 features: a sequential float32 sum divided by n in float32; after a merge, the shards'
   * float32 sums are added); `'float64'` is the float64 mean of the float64 sums (more accurate,
   * within ~1e-6 relative of torch-fidelity's).
   */
  mu?: 'float32' | 'float64';
}

const ROW_BLOCK = 64;

/**
 * Streaming, mergeable first and second moments of feature vectors, accumulated in float64:
 * the count, the sum and the sum of outer products `Σ x·xᵀ`. Shards computed separately (other
 * processes, other machines) combine with {@link FeatureStatistics.merge} by adding these sums, so
 * the result does not depend on how the features were split beyond float64 rounding of the sums.
 */
export class FeatureStatistics {
  /** Feature dimension. */
  readonly dim: number;
  /** Number of feature vectors added. */
  count = 0;
  /** `Σ x`, length `dim`. */
  readonly sum: Float64Array;
  /** `Σ x` accumulated row by row in float32, as NumPy sums float32 features (for `mu: 'float32'`). */
  readonly sum32: Float32Array;
  /** `Σ x·xᵀ`, row-major `dim×dim`; only the lower triangle (`j ≤ i`) is maintained. */
  readonly sumOuter: Float64Array;
  private readonly block: Float64Array;
  private readonly arena: Float64Arena | null;
  private readonly tile = new Float64Array(16);

  /** An empty accumulator for `dim`-dimensional features (2048 for InceptionV3 pool features). */
  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new RangeError(`dim: expected a positive integer, got ${dim}`);
    this.dim = dim;
    this.sum = new Float64Array(dim);
    this.sum32 = new Float32Array(dim);
    this.sumOuter = new Float64Array(dim * dim);
    // The transposed block lives in WebAssembly memory when SIMD is available (see wasm-kernels).
    this.arena = Float64Arena.create(dim * ROW_BLOCK + 16);
    this.block = this.arena ? this.arena.alloc(dim * ROW_BLOCK) : new Float64Array(dim * ROW_BLOCK);
  }

  /**
   * Adds feature vectors: `features` is row-major `[rows, dim]`.
   * @returns this, for chaining.
   */
  add(features: Float32Array | Float64Array): this {
    if (!(features instanceof Float32Array || features instanceof Float64Array)) {
      throw new TypeError(`features: expected a Float32Array or Float64Array, got ${describe(features)}`);
    }
    const d = this.dim;
    if (features.length % d !== 0) {
      throw new MetricError(
        `features: expected rows of ${d} values (dimension mismatch), got ${features.length} values`,
      );
    }
    const rows = features.length / d;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < d; c++) {
        const v = features[r * d + c];
        if (!Number.isFinite(v))
          throw new RangeError(`features: expected finite values, got ${v} at row ${r}, column ${c}`);
        this.sum[c] += v;
        this.sum32[c] += v; // rounded to float32 on store, like NumPy's float32 add.reduce
      }
    }
    // Transposed blocks of rows: entry (i, j) of Σ x·xᵀ gains the dot product of rows i and j of
    // the block, computed 4×4 entries at a time (lower triangle only).
    const T = this.block;
    const S = this.sumOuter;
    const tile = this.tile;
    for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
      const m = Math.min(ROW_BLOCK, rows - r0);
      for (let r = 0; r < m; r++) for (let c = 0; c < d; c++) T[c * m + r] = features[(r0 + r) * d + c];
      const full = d - (d % 4);
      for (let i0 = 0; i0 < full; i0 += 4) {
        for (let j0 = 0; j0 <= i0; j0 += 4) {
          if (this.arena) this.arena.dot4x4(T, T, m, i0, j0, 0, m, tile, 0, 4);
          else block4x4(T, T, m, i0, j0, 0, m, tile, 0, 4);
          for (let a = 0; a < 4; a++) {
            const row = (i0 + a) * d + j0;
            const jMax = Math.min(4, i0 + a - j0 + 1);
            for (let b = 0; b < jMax; b++) S[row + b] += tile[a * 4 + b];
          }
        }
      }
      // Rows past the last multiple of 4.
      for (let i = full; i < d; i++) {
        const ti = i * m;
        for (let j = 0; j <= i; j++) {
          const tj = j * m;
          let acc = 0;
          for (let r = 0; r < m; r++) acc += T[ti + r] * T[tj + r];
          S[i * d + j] += acc;
        }
      }
    }
    this.count += rows;
    return this;
  }

  /**
   * Adds another accumulator's sums into this one (shards of one feature set).
   * @returns this, for chaining.
   */
  merge(other: FeatureStatistics): this {
    if (!(other instanceof FeatureStatistics)) {
      throw new TypeError(`other: expected a FeatureStatistics, got ${describe(other)}`);
    }
    if (other.dim !== this.dim) {
      throw new MetricError(
        `other: expected ${this.dim}-dimensional statistics (dimension mismatch), got ${other.dim}`,
      );
    }
    for (let i = 0; i < this.dim; i++) this.sum[i] += other.sum[i];
    for (let i = 0; i < this.dim; i++) this.sum32[i] += other.sum32[i];
    for (let i = 0; i < this.dim; i++) {
      for (let j = 0; j <= i; j++) this.sumOuter[i * this.dim + j] += other.sumOuter[i * this.dim + j];
    }
    this.count += other.count;
    return this;
  }

  /** The mean `Σx / n` (float64). */
  mean(): Float64Array {
    this.requireRows(1);
    const mu = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) mu[i] = this.sum[i] / this.count;
    return mu;
  }

  /**
   * The unbiased covariance `(Σ x·xᵀ − n·μ·μᵀ) / (n − 1)`, as `np.cov(features, rowvar=False)`,
   * row-major `dim×dim` float64.
   */
  covariance(): Float64Array {
    this.requireRows(2);
    const d = this.dim;
    const n = this.count;
    const mu = this.mean();
    const sigma = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const v = (this.sumOuter[i * d + j] - n * mu[i] * mu[j]) / (n - 1);
        sigma[i * d + j] = v;
        sigma[j * d + i] = v;
      }
    }
    return sigma;
  }

  /** `mu` and `sigma` as torch-fidelity's `fid_features_to_statistics` returns them. */
  statistics(options: StatisticsOptions = {}): Statistics {
    const precision = options.mu ?? 'float32';
    if (precision !== 'float32' && precision !== 'float64') {
      throw new RangeError(`mu: expected one of float32, float64, got ${String(precision)}`);
    }
    const mu = this.mean();
    if (precision === 'float32')
      for (let i = 0; i < mu.length; i++) mu[i] = Math.fround(this.sum32[i] / this.count);
    return { mu, sigma: this.covariance(), dim: this.dim };
  }

  /**
   * Rebuilds an accumulator from its saved sums (see `saveStatistics`); without `sum32` the float32
   * sums are taken as the float64 sums rounded.
   */
  static fromSums(
    count: number,
    sum: Float64Array,
    sumOuter: Float64Array,
    sum32?: Float32Array,
  ): FeatureStatistics {
    const dim = sum.length;
    if (sumOuter.length !== dim * dim) {
      throw new MetricError(
        `sumOuter: expected ${dim}×${dim} = ${dim * dim} values (dimension mismatch), got ${sumOuter.length}`,
      );
    }
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`count: expected a non-negative integer, got ${count}`);
    const stats = new FeatureStatistics(dim);
    stats.sum.set(sum);
    stats.sum32.set(sum32 && sum32.length === dim ? sum32 : sum);
    stats.sumOuter.set(sumOuter);
    stats.count = count;
    return stats;
  }

  private requireRows(min: number): void {
    if (this.count < min) {
      throw new MetricError(`statistics: expected at least ${min} feature vector(s), got ${this.count}`);
    }
  }
}

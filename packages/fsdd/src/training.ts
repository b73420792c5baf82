import {
  assertInteger,
  assertNumericArray,
  roundRowToSum,
  roundWorkspace,
  validateCounts,
} from '@tokenset/set-codec';
import { type GaussianSpec, gaussianWindow, hasMass } from './discretized-gaussian.js';
import { FsddError } from './errors.js';
import { f32, SIGMA_EPSILON_F32, SQRT_6_F32 } from './float32.js';
import { type AdjustMode, adjustRow, adjustWork } from './greedy-adjust.js';
import { seededUniform, type Uniform } from './random.js';

/** Options of {@link trainingExample}. */
export interface TrainingExampleOptions {
  /** Set size M (each row of counts sums to M). */
  setSize: number;
  /** Number of rows B (default 1). */
  batch?: number;
  /**
   * One stream of uniforms for the whole batch, taken in the reference's order: the noise
   * (`torch.rand(B, C)`, row-major), then t (`torch.rand(B, 1)`), then one per entry for the draw.
   */
  uniform?: Uniform;
  /** Seed of a seeded stream (when `uniform` is not given; default: random). */
  seed?: number | string;
  /** Reference `'reference'` (default) greedy adjustment of z_t, or `'exact'`. */
  adjust?: AdjustMode;
  /** Also return the discretised Gaussian `[B·C·M]` (large at full size: 2 MiB per row). */
  returnPdf?: boolean;
  /**
   * Called with each row's drawn set noise X1 (`[C]`, a view into the batch's noise) before z_t is
   * formed; it may overwrite the row with other counts summing to M, e.g. another data point's
   * (see `trainDiT1D`'s `dataNoise`). Not in the reference, whose noise is always the draw; the
   * stream of uniforms is taken exactly as without it.
   */
  replaceNoise?: (row: number, noise: Int32Array) => void;
}

/** One training batch as the reference training loop forms it (see {@link trainingExample}). */
export interface TrainingExample {
  /** X1: set noise `[B·C]` (0/1, rows sum to M). */
  noise: Int32Array;
  /** `[B]` times in [1e-5, 1]. */
  t: Float32Array;
  /** z_t = t·X0 + (1-t)·X1 `[B·C]` (float32). */
  zt: Float32Array;
  /** σ = |X1 - X0|/4 + 1e-6 `[B·C]`. */
  sigma: Float32Array;
  /** The model input: the discretised-Gaussian draw, greedily adjusted `[B·C]`. */
  ztq: Int32Array;
  /** The discretised Gaussian `[B·C·M]`, with `returnPdf`. */
  pdf?: Float32Array;
}

/**
 * Forms one training batch exactly as train.py's loop: X1 = `quantize_tensor(torch.rand(B, C))`;
 * t = rand·(1 - 1e-5) + 1e-5 (`FSDD.get_train_tuple`); z_t = t·X0 + (1-t)·X1; σ = |X1 - X0|/4 + 1e-6;
 * the Gaussian discretised on k = 0..M-1 (with the loop's √6 constant, see `SQRT_6_F32`); one
 * multinomial draw per entry and the greedy adjustment (`greedy_multinomial_sample`). The model is
 * then trained on (ztq, t, label) to predict X0 with {@link crossEntropy}.
 *
 * @param counts - X0: `Int32Array [B·C]` data counts, each row summing to M.
 * @throws FsddError if an entry's Gaussian has no mass (where the reference's multinomial raises).
 *
 * @example
 * ```ts
 * const ex = trainingExample(countsFromTokens(tokens, 4096, 8), { setSize: 128, batch: 8, seed: 1 });
 * ```
 */
export function trainingExample(counts: Int32Array, options: TrainingExampleOptions): TrainingExample {
  const M = assertInteger('setSize', options.setSize, 1);
  const B = assertInteger('batch', options.batch ?? 1, 1);
  if (!(counts instanceof Int32Array))
    throw new TypeError(`counts: expected an Int32Array, got ${typeof counts}`);
  if (counts.length === 0 || counts.length % B !== 0) {
    throw new RangeError(`counts: expected a positive multiple of batch ${B} values, got ${counts.length}`);
  }
  const C = counts.length / B;
  validateCounts(counts, { codebookSize: C, setSize: M, batch: B });
  const next = options.uniform ?? seededUniform(options.seed ?? Math.floor(Math.random() * 2 ** 32));

  const noise = new Int32Array(B * C);
  const u = new Float32Array(B * C);
  for (let i = 0; i < B * C; i++) u[i] = next();
  const rwork = roundWorkspace(C);
  for (let b = 0; b < B; b++) roundRowToSum(u, b * C, C, M, noise, b * C, rwork);
  if (options.replaceNoise !== undefined) {
    for (let b = 0; b < B; b++) options.replaceNoise(b, noise.subarray(b * C, (b + 1) * C));
    try {
      validateCounts(noise, { codebookSize: C, setSize: M, batch: B });
    } catch (error) {
      throw new RangeError(`replaceNoise: ${(error as Error).message}`);
    }
  }
  const t = new Float32Array(B);
  const scale = f32(1 - 1e-5);
  const eps = f32(1e-5);
  for (let b = 0; b < B; b++) t[b] = f32(f32(f32(next()) * scale) + eps);

  const zt = new Float32Array(B * C);
  const sigma = new Float32Array(B * C);
  for (let b = 0; b < B; b++) {
    const tb = t[b];
    const oneMinusT = f32(1 - tb);
    for (let c = b * C; c < (b + 1) * C; c++) {
      zt[c] = f32(f32(tb * counts[c]) + f32(oneMinusT * noise[c]));
      sigma[c] = f32(f32(Math.abs(noise[c] - counts[c]) / 4) + SIGMA_EPSILON_F32);
    }
  }
  const spec: GaussianSpec = { M, sqrtTwoPi: SQRT_6_F32 };
  for (let i = 0; i < B * C; i++) {
    if (!hasMass(spec, zt, sigma, i)) {
      throw new FsddError(
        `row ${Math.floor(i / C)}, entry ${i % C}: expected the discretised Gaussian at z_t = ${zt[i]}, σ = ${sigma[i]} to have mass on 0..${M - 1}, got none (the reference's multinomial raises here)`,
      );
    }
  }

  const ztq = new Int32Array(B * C);
  const pdf = options.returnPdf ? new Float32Array(B * C * M) : undefined;
  const row = new Float32Array(C * M);
  const window = new Int32Array(2);
  const work = adjustWork(C);
  for (let b = 0; b < B; b++) {
    row.fill(0);
    for (let c = 0; c < C; c++) {
      const i = b * C + c;
      gaussianWindow(spec, zt, sigma, i, row, c * M, window);
      let total = 0;
      for (let k = window[0]; k <= window[1]; k++) total += row[c * M + k];
      const threshold = next() * total;
      let cdf = 0;
      let drawn = M - 1;
      for (let k = window[0]; k <= window[1]; k++) {
        cdf += row[c * M + k];
        if (cdf > threshold) {
          drawn = k;
          break;
        }
      }
      ztq[i] = drawn;
    }
    adjustRow(ztq, b * C, C, { probs: row, offset: 0, classes: M }, M, options.adjust ?? 'reference', work);
    pdf?.set(row, b * C * M);
  }
  return { noise, t, zt, sigma, ztq, pdf };
}

/**
 * Per-entry cross-entropy of predicted logits against target counts (train.py:
 * `CrossEntropyLoss(reduction='none')` over the M+1 count classes), computed in float64 and
 * returned as float32.
 *
 * @param logits - `Float32Array [n·K]`.
 * @param targets - `[n]` integer classes in [0, K).
 * @param numClasses - K (M+1).
 * @returns `Float32Array [n]`.
 */
export function crossEntropy(
  logits: Float32Array,
  targets: Int32Array | ArrayLike<number>,
  numClasses: number,
): Float32Array {
  assertNumericArray('logits', logits);
  const K = assertInteger('numClasses', numClasses, 1);
  const n = targets.length;
  if (logits.length !== n * K) {
    throw new RangeError(
      `logits: expected ${n}×${K} = ${n * K} values (one row per target), got ${logits.length}`,
    );
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = targets[i];
    if (!Number.isInteger(y) || y < 0 || y >= K) {
      throw new RangeError(`targets[${i}]: expected a class in [0, ${K}), got ${y}`);
    }
    const o = i * K;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      const v = logits[o + k];
      if (Number.isNaN(v)) throw new RangeError(`logits[${i}, ${k}]: expected a number, got NaN`);
      if (v > max) max = v;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(logits[o + k] - max);
    out[i] = max + Math.log(sum) - logits[o + y];
  }
  return out;
}

/**
 * The reference's loss-by-time-bin bookkeeping (train.py): each row's mean loss goes to bin
 * `int(bins·t)` (float32 product, truncated) as a running mean; the log line prints the bins ×1000.
 * A row with t = 1 exactly lands in bin `bins` (kept, like the reference's extra key, but not printed).
 *
 * @example
 * ```ts
 * const bins = new LossBins();
 * bins.add(example.t, rowMeans(loss, 4096));
 * console.log(`Bin Loss: ${bins.format()}`);
 * ```
 */
export class LossBins {
  /** Running mean per bin (length bins + 1). */
  readonly means: Float64Array;
  /** Number of rows per bin (length bins + 1). */
  readonly counts: Float64Array;

  constructor(readonly bins = 10) {
    assertInteger('bins', bins, 1);
    this.means = new Float64Array(bins + 1);
    this.counts = new Float64Array(bins + 1);
  }

  /** Adds the per-row mean losses of one batch with their times. */
  add(t: ArrayLike<number>, rowLoss: ArrayLike<number>): void {
    if (t.length !== rowLoss.length) {
      throw new RangeError(`rowLoss: expected one value per t (${t.length}), got ${rowLoss.length}`);
    }
    for (let i = 0; i < t.length; i++) {
      const bin = Math.trunc(f32(this.bins * t[i]));
      if (!(bin >= 0 && bin <= this.bins))
        throw new RangeError(`t[${i}]: expected a time in [0, 1], got ${t[i]}`);
      const cnt = this.counts[bin];
      this.means[bin] = (this.means[bin] * cnt) / (cnt + 1) + rowLoss[i] / (cnt + 1);
      this.counts[bin] = cnt + 1;
    }
  }

  /** The log line's part: bins 0..bins-1 as `mean·1000` with 4 decimals, comma-separated (empty bins 0). */
  format(): string {
    return Array.from(this.means.subarray(0, this.bins), (v) => (v * 1000).toFixed(4)).join(',');
  }

  /** Clears every bin (the reference does this after each log line). */
  reset(): void {
    this.means.fill(0);
    this.counts.fill(0);
  }
}

/** Mean of each row of `values` (`[rows·C]`), as float32: `torch.mean(loss, dim=1)`. */
export function rowMeans(values: ArrayLike<number>, rowLength: number): Float32Array {
  const C = assertInteger('rowLength', rowLength, 1);
  if (values.length % C !== 0)
    throw new RangeError(`values: expected a multiple of ${C} values, got ${values.length}`);
  const out = new Float32Array(values.length / C);
  for (let r = 0; r < out.length; r++) {
    let s = 0;
    for (let c = r * C; c < (r + 1) * C; c++) s += values[c];
    out[r] = s / C;
  }
  return out;
}

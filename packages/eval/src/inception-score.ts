import { describe } from '@tokenset/tensor-io';
import { MetricError } from './errors.js';
import { INCEPTION_LOGITS_DIM } from './inception-sizes.js';
import { numpyPermutation } from './mt19937.js';

/** Options of {@link inceptionScore}; the defaults are torch-fidelity's. */
export interface InceptionScoreOptions {
  /** Number of classes per row (columns of `logits`); default 1008 (InceptionV3's unbiased logits). */
  classes?: number;
  /** Number of splits; default 10. */
  splits?: number;
  /** Shuffle the rows first with `numpy.random.RandomState(seed).permutation(n)`; default true. */
  shuffle?: boolean;
  /** Seed of the shuffle; default 2020 (torch-fidelity's `rng_seed`). */
  seed?: number;
}

/** The Inception Score: mean and population standard deviation over the splits. */
export interface InceptionScore {
  mean: number;
  std: number;
  /** The score of each split, in order. */
  scores: number[];
}

/**
 * Inception Score from logits exactly as torch-fidelity's `isc_features_to_metric`: optional row
 * shuffle with NumPy's `RandomState(2020).permutation`, float64 softmax / log-softmax, split `i`
 * = rows `[i·n/splits, (i+1)·n/splits)` (integer division), per split
 * `exp(mean_rows Σ_c p·(log p − log q))` with `q` the split's mean distribution; then the mean and
 * the population standard deviation (`np.std`) over the splits.
 *
 * @param logits - row-major `[n, classes]` (float32 or float64).
 */
export function inceptionScore(
  logits: Float32Array | Float64Array,
  options: InceptionScoreOptions = {},
): InceptionScore {
  if (!(logits instanceof Float32Array || logits instanceof Float64Array)) {
    throw new TypeError(`logits: expected a Float32Array or Float64Array, got ${describe(logits)}`);
  }
  const classes = options.classes ?? INCEPTION_LOGITS_DIM;
  const splits = options.splits ?? 10;
  const shuffle = options.shuffle ?? true;
  const seed = options.seed ?? 2020;
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`classes: expected a positive integer, got ${classes}`);
  }
  if (logits.length % classes !== 0) {
    throw new MetricError(
      `logits: expected a multiple of ${classes} values (rows of ${classes} classes), got ${logits.length}`,
    );
  }
  const n = logits.length / classes;
  if (!Number.isInteger(splits) || splits < 1 || splits > n) {
    throw new RangeError(
      `splits: expected an integer in [1, ${n}] (at most one split per row), got ${splits}`,
    );
  }
  const order = shuffle ? numpyPermutation(n, seed) : null;

  // Row-wise softmax and log-softmax in float64 (torch: x - max - log Σ exp(x - max)).
  const p = new Float64Array(n * classes);
  const logP = new Float64Array(n * classes);
  for (let r = 0; r < n; r++) {
    const src = (order ? order[r] : r) * classes;
    const dst = r * classes;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[src + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[src + c] - max);
    const logSum = Math.log(sum);
    for (let c = 0; c < classes; c++) {
      const shifted = logits[src + c] - max;
      p[dst + c] = Math.exp(shifted) / sum;
      logP[dst + c] = shifted - logSum;
    }
  }

  const scores: number[] = [];
  const logQ = new Float64Array(classes);
  for (let i = 0; i < splits; i++) {
    const start = Math.floor((i * n) / splits);
    const end = Math.floor(((i + 1) * n) / splits);
    const rows = end - start;
    logQ.fill(0);
    for (let r = start; r < end; r++) for (let c = 0; c < classes; c++) logQ[c] += p[r * classes + c];
    for (let c = 0; c < classes; c++) logQ[c] = Math.log(logQ[c] / rows);
    let klSum = 0;
    for (let r = start; r < end; r++) {
      let kl = 0;
      for (let c = 0; c < classes; c++) kl += p[r * classes + c] * (logP[r * classes + c] - logQ[c]);
      klSum += kl;
    }
    scores.push(Math.exp(klSum / rows));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const variance = scores.reduce((a, s) => a + (s - mean) ** 2, 0) / splits;
  return { mean, std: Math.sqrt(variance), scores };
}

// The reference sampler's tensor program (flows.py `FSDD.sample` with `sample_prob`,
// `greedy_topp_or_topk_sample`, `greedy_adjust` and models.py `forward_with_cfg`), transliterated to
// JavaScript one tensor operation at a time, for the benchmark's peer figure: every operation makes
// its full output (a stable sort of all K values of every distribution, a cumulative sum, a mask, a
// scatter, the discretised Gaussian over all M values of every entry, a full argsort of the C gains),
// as the reference does on its tensors. It follows the project's replay conventions (float32
// arithmetic, float64 sequential cumulative sums for draws, stable sorts), so with the same uniforms
// it gives the same counts as `sample` (test/reference-sampler.test.ts checks it).
import {
  argsortDescending,
  type RoundWorkspace,
  roundRowToSum,
  roundWorkspace,
  setNoise,
} from '@tokenset/set-codec';
import { f32, SIGMA_EPSILON_F32, SQRT_2PI_F32, timeGrid } from '../src/float32.ts';
import { guidanceScale } from '../src/guidance.ts';
import { type Denoiser, parseGuidance, type Uniform } from '../src/index.ts';
import { parseSigmaSchedule, sigmaFactor } from '../src/sigma-schedule.ts';

/** The options the reference-style sampler supports (the reference's defaults where absent). */
export interface ReferenceSampleOptions {
  labels: Int32Array;
  streams: Uniform[];
  steps?: number;
  /** `'none'` or the reference's interval string / scale. */
  guidance?: string | number;
  /** Top-p for x0 (the reference's default 0.8), or 'multinomial'. */
  x0?: number | 'multinomial';
  adjustFrom?: number;
  adjust?: 'reference' | 'exact';
}

/** `torch.sort(probs, descending=True)` + cumsum + mask + scatter + renormalise, per distribution. */
function topPFilter(probs: Float32Array, K: number, p: number): Float32Array {
  const n = probs.length / K;
  const sortedIdx = new Int32Array(probs.length);
  const sorted = new Float32Array(probs.length);
  const scratch = new Int32Array(K);
  for (let r = 0; r < n; r++) {
    const order = sortedIdx.subarray(r * K, (r + 1) * K);
    argsortDescending(probs, r * K, K, order, scratch);
    for (let j = 0; j < K; j++) sorted[r * K + j] = probs[r * K + order[j]];
  }
  // cumsum (double accumulation, float32 storage)
  const cum = new Float32Array(probs.length);
  for (let r = 0; r < n; r++) {
    let acc = 0;
    for (let j = 0; j < K; j++) cum[r * K + j] = acc += sorted[r * K + j];
  }
  // sorted_indices_to_remove = cum > p, shifted right by one, first always kept
  const p32 = f32(p);
  const remove = new Uint8Array(probs.length);
  for (let r = 0; r < n; r++) {
    for (let j = 1; j < K; j++) remove[r * K + j] = cum[r * K + j - 1] > p32 ? 1 : 0;
  }
  const removeScattered = new Uint8Array(probs.length);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < K; j++) removeScattered[r * K + sortedIdx[r * K + j]] = remove[r * K + j];
  }
  const filtered = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) filtered[i] = removeScattered[i] ? 0 : probs[i];
  return renormalise(filtered, K);
}

function renormalise(values: Float32Array, K: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < values.length / K; r++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += values[r * K + k];
    const s = f32(sum);
    for (let k = 0; k < K; k++) out[r * K + k] = values[r * K + k] / s;
  }
  return out;
}

/** `torch.multinomial(w, 1)` under the replay convention, one uniform per distribution. */
function multinomial(w: Float32Array, K: number, uniforms: Float64Array): Int32Array {
  const n = w.length / K;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const cdf = new Float64Array(K);
    let acc = 0;
    for (let k = 0; k < K; k++) {
      const v = w[r * K + k];
      if (!(v >= 0) || v === Number.POSITIVE_INFINITY)
        throw new Error(`distribution ${r}: invalid value ${v}`);
      cdf[k] = acc += v;
    }
    if (!(acc > 0)) throw new Error(`distribution ${r}: zero mass`);
    const threshold = uniforms[r] * acc;
    let idx = 0;
    while (idx < K && cdf[idx] <= threshold) idx++;
    out[r] = Math.min(idx, K - 1);
  }
  return out;
}

/** flows.py `greedy_adjust` of one row (one pass, or repeated passes for `'exact'`). */
function greedyAdjustRow(z: Int32Array, probs: Float32Array, K: number, M: number, exact: boolean): void {
  const C = z.length;
  for (;;) {
    let sum = 0;
    for (let c = 0; c < C; c++) sum += z[c];
    const need = M - sum;
    if (need === 0) return;
    const dir = need > 0 ? 1 : -1;
    const gains = new Float64Array(C);
    let valid = 0;
    for (let c = 0; c < C; c++) {
      const target = z[c] + dir;
      if (target >= 0 && target <= K - 1) {
        gains[c] = f32(probs[c * K + target] - probs[c * K + z[c]]);
        valid++;
      } else gains[c] = Number.NEGATIVE_INFINITY;
    }
    const order = argsortDescending(gains, 0, C);
    const moves = Math.min(exact ? Math.min(Math.abs(need), valid) : Math.abs(need), C);
    for (let r = 0; r < moves; r++) z[order[r]] += dir;
    if (!exact) {
      for (let c = 0; c < C; c++) z[c] = Math.min(Math.max(z[c], 0), K - 1);
      return;
    }
    if (valid === 0) return;
  }
}

/** models.py `forward_with_cfg` in probability space over the doubled batch. */
async function guided(
  model: Denoiser,
  z: Int32Array,
  t: Float32Array,
  labels: Int32Array,
  schedule: Float64Array,
): Promise<Float32Array> {
  const B = t.length;
  const C = model.codebookSize;
  const K = model.setSize + 1;
  const z2 = new Int32Array(2 * B * C);
  z2.set(z);
  z2.set(z, B * C);
  const t2 = new Float32Array(2 * B);
  t2.set(t);
  t2.set(t, B);
  const y2 = new Int32Array(2 * B).fill(model.numClasses);
  y2.set(labels);
  const probs = await model.probabilities(z2, t2, y2);
  const s = f32(guidanceScale(schedule, t[0]));
  const n = B * C * K;
  const mixed = new Float32Array(n);
  for (let i = 0; i < n; i++) mixed[i] = f32(probs[n + i] + f32(s * f32(probs[i] - probs[n + i])));
  for (let i = 0; i < n; i++) mixed[i] = Math.max(mixed[i], 0);
  return renormalise(mixed, K);
}

/** Runs the reference sampler; returns the final counts `[B·C]`. */
export async function referenceSample(model: Denoiser, options: ReferenceSampleOptions): Promise<Int32Array> {
  const C = model.codebookSize;
  const M = model.setSize;
  const K = M + 1;
  const { labels, streams } = options;
  const B = labels.length;
  const N = options.steps ?? 25;
  const schedule = parseGuidance(options.guidance ?? '4_50_55');
  const sigmaSchedule = parseSigmaSchedule('sigmoid100_0.8');
  const exact = options.adjust === 'exact';
  const adjustFrom = f32(options.adjustFrom ?? 0.65);
  const x0Kind = options.x0 ?? 0.8;
  const rw: RoundWorkspace = roundWorkspace(C);
  const z = new Int32Array(B * C);
  for (let b = 0; b < B; b++) z.set(setNoise({ codebookSize: C, setSize: M, random: streams[b] }), b * C);
  const grid = timeGrid(N);
  for (let i = 0; i < N; i++) {
    const t = grid[i];
    const tNext = grid[i + 1];
    const tArr = new Float32Array(B).fill(t);
    const probs =
      schedule === null
        ? await model.probabilities(z, tArr, labels)
        : await guided(model, z, tArr, labels, schedule);
    // x0 = sample_prob(probs): filter, multinomial, greedy adjustment
    const filtered = x0Kind === 'multinomial' ? probs : topPFilter(probs, K, x0Kind);
    const u0 = new Float64Array(B * C);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) u0[b * C + c] = streams[b]();
    const x0 = multinomial(filtered, K, u0);
    if (x0Kind === 'multinomial' || f32(t) >= adjustFrom) {
      for (let b = 0; b < B; b++) {
        greedyAdjustRow(
          x0.subarray(b * C, (b + 1) * C),
          probs.subarray(b * C * K, (b + 1) * C * K),
          K,
          M,
          exact,
        );
      }
    }
    // the Gaussian bridge
    const factor = sigmaFactor(sigmaSchedule, i, N);
    const x1 = new Float32Array(B * C);
    for (let c = 0; c < B * C; c++) x1[c] = f32(z[c] - f32(t * x0[c])) / f32(1 - t);
    const mean = new Float32Array(B * C);
    for (let c = 0; c < B * C; c++) mean[c] = f32(tNext * x0[c]) + f32(f32(1 - tNext) * x1[c]);
    const sigma = new Float32Array(B * C);
    for (let c = 0; c < B * C; c++)
      sigma[c] = f32(f32(Math.abs(f32(x1[c] - x0[c])) / 4) * factor) + SIGMA_EPSILON_F32;
    const pdf = new Float32Array(B * C * M);
    for (let c = 0; c < B * C; c++) {
      const coefficient = f32(1 / f32(sigma[c] * SQRT_2PI_F32));
      for (let k = 0; k < M; k++) {
        const q = f32(f32(k - mean[c]) / sigma[c]);
        pdf[c * M + k] = coefficient * f32(Math.exp(f32(-0.5 * f32(q * q))));
      }
    }
    let degenerate = false;
    const totals = new Float32Array(B * C);
    for (let c = 0; c < B * C; c++) {
      let s = 0;
      for (let k = 0; k < M; k++) s += pdf[c * M + k];
      totals[c] = s;
      if (!(totals[c] > 0)) degenerate = true;
    }
    if (degenerate) {
      // the reference's except path: quantize_tensor(z_t) for the whole batch
      for (let b = 0; b < B; b++) roundRowToSum(mean, b * C, C, M, z, b * C, rw);
      continue;
    }
    const normalised = new Float32Array(B * C * M);
    for (let c = 0; c < B * C; c++)
      for (let k = 0; k < M; k++) normalised[c * M + k] = pdf[c * M + k] / totals[c];
    const ut = new Float64Array(B * C);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) ut[b * C + c] = streams[b]();
    z.set(multinomial(normalised, M, ut));
    for (let b = 0; b < B; b++) {
      greedyAdjustRow(
        z.subarray(b * C, (b + 1) * C),
        normalised.subarray(b * C * M, (b + 1) * C * M),
        M,
        M,
        exact,
      );
    }
  }
  return z;
}

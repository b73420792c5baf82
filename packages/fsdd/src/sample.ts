import {
  assertInteger,
  type RoundWorkspace,
  roundRowToSum,
  roundWorkspace,
  setNoise,
  tokensFromCounts,
  validateCounts,
} from '@tokenset/set-codec';
import { drawKept, type FilterWork, filterWork, normaliseKept, nucleus, topKIndices } from './categorical.js';
import type { Denoiser } from './denoiser.js';
import { type GaussianSpec, gaussianWindow, hasMass } from './discretized-gaussian.js';
import { adjustsAt, drawDistributions } from './draw.js';
import type { DrawStrategy } from './draw-strategy.js';
import { FsddError } from './errors.js';
import { f32, SIGMA_EPSILON_F32, SQRT_2PI_F32, timeGrid } from './float32.js';
import { type AdjustMode, type AdjustWork, adjustRow, adjustWork, type RowProbs } from './greedy-adjust.js';
import { type Guidance, guidedDenoiser } from './guidance.js';
import { type RandomOptions, rowStreams, type Uniform } from './random.js';
import type { Fallback } from './sampler-presets.js';
import { samplerSettings } from './sampler-settings.js';
import {
  type ParsedSigmaSchedule,
  parseSigmaSchedule,
  type SigmaSchedule,
  sigmaFactor,
} from './sigma-schedule.js';

/** Progress of {@link sample}, reported after every step. */
export interface SampleStep {
  /** 0-based step index. */
  step: number;
  /** Number of steps N. */
  steps: number;
  /** The time of the model call of this step (float32 grid value). */
  t: number;
  /** The time of the new state. */
  tNext: number;
  /** The x0 prediction of every row, `[B·C]` (a view of the sampler's buffer: copy it to keep it). */
  x0: Int32Array;
  /** The new state of every row, `[B·C]` (a view: copy it to keep it). */
  counts: Int32Array;
  /** 1 for each row whose new state was rounded from z_t instead of drawn (`[B]`, a view). */
  fallbackRows: Uint8Array;
}

/**
 * Options of {@link sample}. Every setting left out takes the `reference` preset's value
 * (`SAMPLER_PRESETS.reference`, the defaults of sample.py); all are checked by `samplerSettings`.
 */
export interface SampleOptions extends RandomOptions {
  /** Class label of each row (`numClasses` = the null label, i.e. unconditional). Sets B. */
  labels: Int32Array | readonly number[];
  /** Number of steps N on the uniform grid (default 25). */
  steps?: number;
  /**
   * Classifier-free guidance applied by wrapping the denoiser in {@link guidedDenoiser}
   * (default `"4_50_55"`, the reference's). Use `'none'` (or 1) when the denoiser already guides
   * or the model has no null label.
   */
  guidance?: Guidance;
  /** The null label for guidance (default `denoiser.numClasses`). */
  nullLabel?: number;
  /** σ schedule (default `"sigmoid100_0.8"`). */
  sigmaSchedule?: SigmaSchedule;
  /** How x0 is drawn from the model's prediction (default top-p 0.8). */
  x0?: DrawStrategy;
  /** How the next state is drawn from the discretised Gaussian (default multinomial). */
  xt?: DrawStrategy;
  /** Top-p/top-k draws are adjusted to the fixed sum from this t on (sample.py `--adjust_step`). */
  adjustFrom?: number;
  /** `'reference'` (default) one-pass greedy adjustment, or `'exact'` (always reaches M). */
  adjust?: AdjustMode;
  /**
   * When some row's discretised Gaussian has no mass: `'batch'` (reference, default) rounds the
   * whole batch's z_t to the fixed sum; `'row'` rounds only those rows, so rows never affect
   * each other.
   */
  fallback?: Fallback;
  /** Start from these counts `[B·C]` (each row M distinct-or-not codes summing to M) instead of drawing noise. */
  initial?: Int32Array;
  /** Called after every step (awaited if it returns a promise). */
  onStep?: (step: SampleStep) => void | Promise<void>;
  /** Stops between steps with the signal's reason. */
  signal?: AbortSignal;
}

/** The outcome of {@link sample}. */
export interface SampleResult {
  /** Final counts `[B·C]`. */
  counts: Int32Array;
  /** Final token sets `[B·M]`, sorted (`tokensFromCounts` with the reference's fill/truncate). */
  tokens: Int32Array;
  /** The initial noise `[B·C]`. */
  initial: Int32Array;
  /** The seeds of the row streams, when they were seeded (not with `uniforms`). */
  seeds?: string[];
  /** Steps whose next state fell back to rounding in at least one row. */
  fallbackSteps: number[];
}

function strategyCode(s: DrawStrategy): 0 | 1 | 2 {
  return s.kind === 'multinomial' ? 0 : s.kind === 'topP' ? 1 : 2;
}

/**
 * Fixed-Sum Discrete Diffusion sampling (flows.py `FSDD.sample`, driven as sample.py does).
 *
 * From set noise X1 (M distinct codes), for i = 0..N-1 on the float32 grid t_i = i/N:
 * the denoiser predicts X0's distribution at every entry; x0 is drawn (`x0`, adjusted to the fixed
 * sum from t ≥ `adjustFrom`); the implied noise X1' = (z - t·x0)/(1 - t); the next state is drawn from
 * the Gaussian discretised on 0..M-1 at t'·x0 + (1-t')·X1' with σ = |X1' - x0|/4 · factor(i) + 1e-6
 * (`xt`, then adjusted); if some row's Gaussian has no mass, the reference rounds the whole
 * batch's mean to the fixed sum instead (`fallback`). All arithmetic is float32 as in the reference,
 * every draw an inverse-CDF draw from the row's own stream, so a row's result depends only on its
 * seed, label and settings (and, with `fallback: 'batch'`, on other rows' fallbacks).
 *
 * Work buffers are allocated once per call; steps allocate nothing (besides the denoiser's promise).
 *
 * @example
 * ```ts
 * const { tokens } = await sample(dit, { labels: [207, 360], seed: 0 });
 * ```
 */
export async function sample(denoiser: Denoiser, options: SampleOptions): Promise<SampleResult> {
  if (!denoiser || typeof denoiser.probabilities !== 'function') {
    throw new TypeError('denoiser: expected an object with a probabilities(counts, t, labels) method');
  }
  if (!options || typeof options !== 'object') throw new TypeError('options: expected an object with labels');
  const C = assertInteger('denoiser.codebookSize', denoiser.codebookSize, 1);
  const M = assertInteger('denoiser.setSize', denoiser.setSize, 1);
  const numClasses = assertInteger('denoiser.numClasses', denoiser.numClasses, 0);
  const K = M + 1;
  const labelsIn = options.labels;
  if (!(labelsIn instanceof Int32Array) && !Array.isArray(labelsIn)) {
    throw new TypeError(`labels: expected an Int32Array or an array of numbers, got ${typeof labelsIn}`);
  }
  const B = labelsIn.length;
  if (B === 0) throw new RangeError('labels: expected at least one label (one per row), got 0');
  const labels = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const y = labelsIn[b];
    if (!Number.isInteger(y) || y < 0 || y > numClasses) {
      throw new RangeError(
        `labels[${b}]: expected a class in [0, ${numClasses}] (${numClasses} = null), got ${y}`,
      );
    }
    labels[b] = y;
  }
  const settings = samplerSettings(
    {
      steps: options.steps,
      guidance: options.guidance,
      sigmaSchedule: options.sigmaSchedule,
      x0: options.x0,
      xt: options.xt,
      adjustFrom: options.adjustFrom,
      adjust: options.adjust,
      fallback: options.fallback,
    },
    { setSize: M },
  );
  const N = settings.steps;
  const x0Strategy = settings.x0;
  const xtStrategy = settings.xt;
  const adjustFrom = settings.adjustFrom;
  const adjustMode = settings.adjust;
  const fallback = settings.fallback;
  const sigmaSchedule = parseSigmaSchedule(settings.sigmaSchedule);
  const model = guidedDenoiser(denoiser, { guidance: settings.guidance, nullLabel: options.nullLabel });
  const { streams, seeds } = rowStreams(B, options);

  // State and work buffers, allocated once.
  const z = new Int32Array(B * C);
  const x0 = new Int32Array(B * C);
  const zt = new Float32Array(B * C);
  const sig = new Float32Array(B * C);
  const tArr = new Float32Array(B);
  const fallbackRows = new Uint8Array(B);
  const gauss = new Float32Array(C * M);
  const lo = new Int32Array(C);
  const hi = new Int32Array(C);
  const window = new Int32Array(2);
  const uniforms = new Float64Array(C);
  const spec: GaussianSpec = { M, sqrtTwoPi: SQRT_2PI_F32 };
  const fwork = filterWork(K);
  const gwork = filterWork(M);
  const awork = adjustWork(C);
  const rwork = roundWorkspace(C);
  const denseProbs: RowProbs = { probs: new Float32Array(0), offset: 0, classes: K };
  const gaussProbs: RowProbs = { probs: gauss, offset: 0, classes: M, lo, hi };
  const gaussDense: RowProbs = { probs: gauss, offset: 0, classes: M };
  const xtCode = strategyCode(xtStrategy);
  if (xtStrategy.kind === 'topP') gwork.p = f32(xtStrategy.p);
  if (xtStrategy.kind === 'topK') gwork.k = xtStrategy.k;

  if (options.initial !== undefined) {
    if (!(options.initial instanceof Int32Array)) {
      throw new TypeError(`initial: expected an Int32Array [B·C], got ${typeof options.initial}`);
    }
    validateCounts(options.initial, { codebookSize: C, setSize: M, batch: B });
    z.set(options.initial);
  } else {
    for (let b = 0; b < B; b++) {
      // torch.rand(B, C) then quantize_tensor: the M largest uniforms of the row's stream.
      z.set(setNoise({ codebookSize: C, setSize: M, random: streams[b] }), b * C);
    }
  }
  const initial = z.slice();
  const grid = timeGrid(N);
  const fallbackSteps: number[] = [];
  const step: SampleStep = { step: 0, steps: N, t: 0, tNext: 0, x0, counts: z, fallbackRows };
  const core: Core = {
    B,
    C,
    M,
    K,
    N,
    z,
    x0,
    zt,
    sig,
    fallbackRows,
    gauss,
    lo,
    hi,
    window,
    uniforms,
    spec,
    fwork,
    gwork,
    awork,
    rwork,
    denseProbs,
    gaussProbs,
    gaussDense,
    streams,
    x0Strategy,
    xtStrategy,
    xtCode,
    adjustFrom,
    adjustMode,
    fallback,
    sigmaSchedule,
  };

  for (let i = 0; i < N; i++) {
    options.signal?.throwIfAborted();
    const t = grid[i];
    const tNext = grid[i + 1];
    tArr.fill(t);
    const probs = await model.probabilities(z, tArr, labels);
    if (!(probs instanceof Float32Array) || probs.length !== B * C * K) {
      throw new FsddError(
        `step ${i}: expected the denoiser to return a Float32Array of ${B}×${C}×${K} probabilities, got ${
          probs instanceof Float32Array ? `length ${probs.length}` : typeof probs
        }`,
      );
    }

    if (advance(core, probs, i, t, tNext)) fallbackSteps.push(i);
    if (options.onStep) {
      step.step = i;
      step.t = t;
      step.tNext = tNext;
      const pending = options.onStep(step);
      if (pending) await pending;
    }
  }
  return { counts: z, tokens: tokensFromCounts(z, M, B), initial, seeds, fallbackSteps };
}

/** Everything one step needs: buffers and settings, allocated once per {@link sample} call. */
interface Core {
  B: number;
  C: number;
  M: number;
  K: number;
  N: number;
  z: Int32Array;
  x0: Int32Array;
  zt: Float32Array;
  sig: Float32Array;
  fallbackRows: Uint8Array;
  gauss: Float32Array;
  lo: Int32Array;
  hi: Int32Array;
  window: Int32Array;
  uniforms: Float64Array;
  spec: GaussianSpec;
  fwork: FilterWork;
  gwork: FilterWork;
  awork: AdjustWork;
  rwork: RoundWorkspace;
  denseProbs: RowProbs;
  gaussProbs: RowProbs;
  gaussDense: RowProbs;
  streams: Uniform[];
  x0Strategy: DrawStrategy;
  xtStrategy: DrawStrategy;
  xtCode: 0 | 1 | 2;
  adjustFrom: number;
  adjustMode: AdjustMode;
  fallback: Fallback;
  sigmaSchedule: ParsedSigmaSchedule;
}

/**
 * One sampler step after the model call (synchronous, so its locals stay unboxed): x0 draw and
 * adjustment, the Gaussian bridge, the next state. Returns whether some row fell back.
 */
function advance(core: Core, probs: Float32Array, i: number, t: number, tNext: number): boolean {
  const { B, C, M, K, N, z, x0, zt, sig, fallbackRows, gauss, lo, hi, window, uniforms, spec } = core;
  const { fwork, gwork, awork, rwork, denseProbs, gaussProbs, gaussDense, streams } = core;
  const { x0Strategy, xtStrategy, xtCode } = core;
  const { adjustFrom, adjustMode, fallback, sigmaSchedule } = core;
  // x0 prediction: draw, then (top-p/top-k only from adjustFrom on) greedy adjustment.
  const adjustX0 = adjustsAt(x0Strategy, t, adjustFrom);
  denseProbs.probs = probs;
  for (let b = 0; b < B; b++) {
    const next = streams[b];
    for (let c = 0; c < C; c++) uniforms[c] = next();
    const bad = drawDistributions(probs, b * C * K, C, K, x0Strategy, uniforms, x0, b * C, fwork);
    if (bad >= 0) {
      const o = (b * C + bad) * K;
      throw new FsddError(
        `step ${i}: expected the denoiser's probabilities for row ${b}, entry ${bad} to be finite, non-negative and of positive mass, got [${Array.from(
          probs.subarray(o, Math.min(o + K, o + 12)),
        ).join(', ')}${K > 12 ? ', …' : ''}]`,
      );
    }
    if (adjustX0) {
      denseProbs.offset = b * C * K;
      adjustRow(x0, b * C, C, denseProbs, M, adjustMode, awork);
    }
  }

  // The Gaussian bridge to t': mean, σ, and which rows have no mass.
  const factor = sigmaFactor(sigmaSchedule, i, N);
  const oneMinusT = f32(1 - t);
  const oneMinusTNext = f32(1 - tNext);
  let anyDegenerate = false;
  for (let b = 0; b < B; b++) {
    let degenerate = 0;
    for (let c = b * C; c < (b + 1) * C; c++) {
      const x = x0[c];
      const noise = f32(f32(z[c] - f32(t * x)) / oneMinusT);
      const mean = f32(f32(tNext * x) + f32(oneMinusTNext * noise));
      const s = f32(f32(f32(Math.abs(f32(noise - x)) / 4) * factor) + SIGMA_EPSILON_F32);
      zt[c] = mean;
      sig[c] = s;
      if (degenerate === 0) {
        // cheap certain case first: a k within 10σ has density > 0 in float32
        const r = Math.round(mean);
        const nearest = r < 0 ? 0 : Math.min(r, M - 1);
        if (Math.abs(nearest - mean) > 10 * s && !hasMass(spec, zt, sig, c)) degenerate = 1;
      }
    }
    fallbackRows[b] = degenerate;
    if (degenerate) anyDegenerate = true;
  }
  if (anyDegenerate && fallback === 'batch') fallbackRows.fill(1);

  // The next state.
  const adjustXt = adjustsAt(xtStrategy, t, adjustFrom);
  for (let b = 0; b < B; b++) {
    const row = b * C;
    if (fallbackRows[b]) {
      // flows.py's except path: quantize_tensor(z_t)
      roundRowToSum(zt, row, C, M, z, row, rwork);
      continue;
    }
    const next = streams[b];
    for (let c = 0; c < C; c++) uniforms[c] = next();
    if (xtCode === 0) {
      for (let c = 0; c < C; c++) {
        if (gaussianWindow(spec, zt, sig, row + c, gauss, c * M, window) === 0)
          throw new FsddError(`step ${i}: row ${b}, entry ${c}: the discretised Gaussian lost its mass`);
        const l = window[0];
        const h = window[1];
        lo[c] = l;
        hi[c] = h;
        // inverse CDF over the window; entries outside are exactly 0
        let sum = 0;
        for (let k = l; k <= h; k++) sum += gauss[c * M + k];
        const threshold = uniforms[c] * sum;
        let cdf = 0;
        let drawn = M - 1;
        for (let k = l; k <= h; k++) {
          cdf += gauss[c * M + k];
          if (cdf > threshold) {
            drawn = k;
            break;
          }
        }
        z[row + c] = drawn;
      }
      adjustRow(z, row, C, gaussProbs, M, adjustMode, awork);
    } else {
      gauss.fill(0);
      for (let c = 0; c < C; c++) {
        if (gaussianWindow(spec, zt, sig, row + c, gauss, c * M, window) === 0)
          throw new FsddError(`step ${i}: row ${b}, entry ${c}: the discretised Gaussian lost its mass`);
        const n = xtCode === 1 ? nucleus(gauss, c * M, M, gwork) : topKIndices(gauss, c * M, M, gwork);
        if (n < 0 || !normaliseKept(gauss, c * M, n, gwork)) {
          throw new FsddError(`step ${i}: row ${b}, entry ${c}: the discretised Gaussian lost its mass`);
        }
        z[row + c] = drawKept(n, M, uniforms, c, gwork);
      }
      if (adjustXt) adjustRow(z, row, C, gaussDense, M, adjustMode, awork);
    }
  }
  if (anyDegenerate) {
    for (let c = 0; c < B * C; c++) {
      if (z[c] < 0) {
        throw new FsddError(
          `step ${i}: expected the fallback rounding of z_t to give counts >= 0, got ${z[c]} at row ${Math.floor(c / C)}, entry ${c % C} (the reference's model would fail on it too)`,
        );
      }
    }
  }

  return anyDegenerate;
}

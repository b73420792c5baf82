import { assertInteger, tokensFromCounts, validateCounts } from '@tokenset/set-codec';
import { defaultThreads, RowThreads } from '#row-threads';
import type { Denoiser } from './denoiser.js';
import type { DrawStrategy } from './draw-strategy.js';
import { FsddError } from './errors.js';
import { timeGrid } from './float32.js';
import type { AdjustMode } from './greedy-adjust.js';
import { type Guidance, type GuidanceTiming, guidedDenoiser } from './guidance.js';
import { type RandomOptions, rowStreams } from './random.js';
import type { Fallback } from './sampler-presets.js';
import { samplerSettings } from './sampler-settings.js';
import { parseSigmaSchedule, type SigmaSchedule } from './sigma-schedule.js';
import { callingThreadRows, type StepRows, type StepSettings, stepCore, stepState } from './step-core.js';

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
  /**
   * Worker threads for the per-row work of each step (the draws, the bridge, the adjustments);
   * results are identical to one thread's, byte for byte. Default: every core
   * (`os.availableParallelism()`) when a step has at least 2^20 probabilities (e.g. two rows at
   * C = 4096, M = 128), else 1 — starting threads costs more than small runs save. Must be 1 with
   * `uniforms` (a function cannot move to another thread). At most one thread per row is used.
   */
  threads?: number;
  /** Measure where each step's time goes (see {@link SampleProfile}); default false. */
  profile?: boolean;
}

/** Where the time of a {@link sample} call went, in milliseconds summed over the steps. */
export interface SampleProfile {
  /** Number of steps measured. */
  steps: number;
  /** The denoiser's own calls (with guidance: the call on the doubled batch). */
  modelMs: number;
  /** The guidance combination (`guide` over every row), 0 without guidance. */
  guidanceMs: number;
  /** The sampler's step work: draws, bridge, adjustments (and moving data to its threads). */
  samplerMs: number;
  /** Threads the sampler's step work ran on. */
  threads: number;
}

/** The outcome of {@link sample}. */
export interface SampleResult {
  /** Final counts `[B·C]`. */
  counts: Int32Array;
  /** Final token sets `[B·M]`, sorted (`tokensFromCounts` with the reference's fill/truncate). */
  tokens: Int32Array;
  /**
   * Each row's sum of final counts `[B]`: M, unless its last draws were not adjusted to the fixed
   * sum (`adjustFrom` ≥ 1, as in the `high-quality` preset, or the reference's one-pass adjustment
   * falling short); `tokens` then keeps the M smallest ids of a longer row, or fills a shorter one.
   */
  rowSums: Int32Array;
  /** The initial noise `[B·C]`. */
  initial: Int32Array;
  /** The seeds of the row streams, when they were seeded (not with `uniforms`). */
  seeds?: string[];
  /** Steps whose next state fell back to rounding in at least one row. */
  fallbackSteps: number[];
  /** Where the time went, with `profile: true`. */
  profile?: SampleProfile;
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
  const settingsIn = samplerSettings(
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
  const N = settingsIn.steps;
  const x0Strategy = settingsIn.x0;
  const xtStrategy = settingsIn.xt;
  const adjustFrom = settingsIn.adjustFrom;
  const adjustMode = settingsIn.adjust;
  const fallback = settingsIn.fallback;
  const sigmaSchedule = parseSigmaSchedule(settingsIn.sigmaSchedule);
  const threads = threadsFor(options, B, C * K);
  const { streams, seeds } = rowStreams(B, options);
  const settings: StepSettings = {
    B,
    C,
    M,
    N,
    x0Strategy,
    xtStrategy,
    adjustFrom,
    adjustMode,
    fallback,
    sigmaSchedule,
  };
  const state = stepState(B, C, threads > 1);
  const { z, x0, fallbackRows } = state;
  // With threads, the probabilities travel in shared memory (the guidance writes there directly).
  const shared = threads > 1 ? new Float32Array(new SharedArrayBuffer(4 * B * C * K)) : undefined;
  const timing: GuidanceTiming = { modelMs: 0, guideMs: 0 };
  const model = guidedDenoiser(denoiser, {
    guidance: settingsIn.guidance,
    nullLabel: options.nullLabel,
    output: shared,
    timing: options.profile ? timing : undefined,
  });
  const guided = model !== denoiser;
  if (options.initial !== undefined) {
    if (!(options.initial instanceof Int32Array)) {
      throw new TypeError(`initial: expected an Int32Array [B·C], got ${typeof options.initial}`);
    }
    validateCounts(options.initial, { codebookSize: C, setSize: M, batch: B });
  }

  const rows: StepRows = shared
    ? RowThreads.start(threads, settings, state, shared, seeds!, streams)
    : callingThreadRows(stepCore(settings, state, 0, B, streams));
  try {
    if (options.initial !== undefined) z.set(options.initial);
    else await rows.noise();
    const initial = z.slice();
    const grid = timeGrid(N);
    const tArr = new Float32Array(B);
    const fallbackSteps: number[] = [];
    const step: SampleStep = { step: 0, steps: N, t: 0, tNext: 0, x0, counts: z, fallbackRows };
    let modelMs = 0;
    let samplerMs = 0;
    for (let i = 0; i < N; i++) {
      options.signal?.throwIfAborted();
      const t = grid[i];
      const tNext = grid[i + 1];
      tArr.fill(t);
      const called = performance.now();
      const probs = await model.probabilities(z, tArr, labels);
      const returned = performance.now();
      modelMs += returned - called;
      if (!(probs instanceof Float32Array) || probs.length !== B * C * K) {
        throw new FsddError(
          `step ${i}: expected the denoiser to return a Float32Array of ${B}×${C}×${K} probabilities, got ${
            probs instanceof Float32Array ? `length ${probs.length}` : typeof probs
          }`,
        );
      }
      const degenerate = await rows.x0AndBridge(probs, i, t, tNext);
      if (degenerate && fallback === 'batch') fallbackRows.fill(1);
      await rows.next(i, t);
      samplerMs += performance.now() - returned;
      if (degenerate) fallbackSteps.push(i);
      if (options.onStep) {
        step.step = i;
        step.t = t;
        step.tNext = tNext;
        const pending = options.onStep(step);
        if (pending) await pending;
      }
    }
    const result: SampleResult = {
      counts: z,
      tokens: tokensFromCounts(z, M, B),
      rowSums: rowSums(z, B),
      initial,
      seeds,
      fallbackSteps,
    };
    if (options.profile) {
      result.profile = {
        steps: N,
        modelMs: guided ? timing.modelMs : modelMs,
        guidanceMs: guided ? timing.guideMs : 0,
        samplerMs,
        threads,
      };
    }
    return result;
  } finally {
    await rows.close();
  }
}

/** The number of sampler threads for a run (see {@link SampleOptions.threads}). */
function threadsFor(options: SampleOptions, B: number, perRow: number): number {
  const requested = options.threads;
  if (requested !== undefined) assertInteger('threads', requested, 1, 1024);
  if (options.uniforms !== undefined) {
    if (requested !== undefined && requested > 1) {
      throw new RangeError(
        `threads: expected 1 with uniforms (a function cannot move to another thread), got ${requested}`,
      );
    }
    return 1;
  }
  const threads = requested ?? (B * perRow >= 2 ** 20 ? defaultThreads() : 1);
  return Math.min(threads, B);
}

/** The sum of each of the B rows of `counts`. */
function rowSums(counts: Int32Array, B: number): Int32Array {
  const C = counts.length / B;
  const sums = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let c = b * C; c < (b + 1) * C; c++) sum += counts[c];
    sums[b] = sum;
  }
  return sums;
}

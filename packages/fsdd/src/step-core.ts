// One sampler step after the model call, for a range of rows, in two phases: (A) the x0 draw and
// its adjustment, the Gaussian bridge and which rows have no mass; (B) the next state. Between
// them the caller decides the fallback (with `fallback: 'batch'` one degenerate row makes every
// row round). Rows only touch their own slices of the shared state, so ranges of rows can run on
// different threads (row-threads.ts) with results identical to one thread.
import { type RoundWorkspace, roundRowToSum, roundWorkspace, setNoise } from '@tokenset/set-codec';
import { drawKept, type FilterWork, filterWork, normaliseKept, nucleus, topKIndices } from './categorical.js';
import { type GaussianSpec, gaussianWindow, hasMass } from './discretized-gaussian.js';
import { adjustsAt, drawDistributions } from './draw.js';
import type { DrawStrategy } from './draw-strategy.js';
import { FsddError } from './errors.js';
import { f32, SIGMA_EPSILON_F32, SQRT_2PI_F32 } from './float32.js';
import { type AdjustMode, type AdjustWork, adjustRow, adjustWork, type RowProbs } from './greedy-adjust.js';
import type { Uniform } from './random.js';
import type { Fallback } from './sampler-presets.js';
import { type ParsedSigmaSchedule, sigmaFactor } from './sigma-schedule.js';

/** The settings of a run (plain data: they travel to worker threads). */
export interface StepSettings {
  B: number;
  C: number;
  M: number;
  N: number;
  x0Strategy: DrawStrategy;
  xtStrategy: DrawStrategy;
  adjustFrom: number;
  adjustMode: AdjustMode;
  fallback: Fallback;
  sigmaSchedule: ParsedSigmaSchedule;
}

/** The state every row writes its slice of (shared between threads). */
export interface StepState {
  /** Current counts `[B·C]`. */
  z: Int32Array;
  /** x0 predictions `[B·C]`. */
  x0: Int32Array;
  /** Bridge means and σ `[B·C]`. */
  zt: Float32Array;
  sig: Float32Array;
  /** 1 per row that rounds instead of drawing `[B]`. */
  fallbackRows: Uint8Array;
}

/** Allocates a run's state, in shared memory when `shared` (for worker threads). */
export function stepState(B: number, C: number, shared: boolean): StepState {
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return {
    z: new Int32Array(buffer(4 * B * C)),
    x0: new Int32Array(buffer(4 * B * C)),
    zt: new Float32Array(buffer(4 * B * C)),
    sig: new Float32Array(buffer(4 * B * C)),
    fallbackRows: new Uint8Array(buffer(B)),
  };
}

/** Everything the steps of a range of rows need: settings, state, streams and work buffers. */
export interface StepCore extends StepSettings, StepState {
  K: number;
  /** Rows `from .. to-1` are this core's. */
  from: number;
  to: number;
  /** The streams of rows `from .. to-1`. */
  streams: Uniform[];
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
  xtCode: 0 | 1 | 2;
}

/** The core of rows `from .. to-1`, with work buffers allocated once. */
export function stepCore(
  settings: StepSettings,
  state: StepState,
  from: number,
  to: number,
  streams: Uniform[],
): StepCore {
  const { C, M, xtStrategy } = settings;
  const K = M + 1;
  const gauss = new Float32Array(C * M);
  const lo = new Int32Array(C);
  const hi = new Int32Array(C);
  const gwork = filterWork(M);
  if (xtStrategy.kind === 'topP') gwork.p = f32(xtStrategy.p);
  if (xtStrategy.kind === 'topK') gwork.k = xtStrategy.k;
  return {
    ...settings,
    ...state,
    K,
    from,
    to,
    streams,
    gauss,
    lo,
    hi,
    window: new Int32Array(2),
    uniforms: new Float64Array(C),
    spec: { M, sqrtTwoPi: SQRT_2PI_F32 },
    fwork: filterWork(K),
    gwork,
    awork: adjustWork(C),
    rwork: roundWorkspace(C),
    denseProbs: { probs: new Float32Array(0), offset: 0, classes: K },
    gaussProbs: { probs: gauss, offset: 0, classes: M, lo, hi },
    gaussDense: { probs: gauss, offset: 0, classes: M },
    xtCode: xtStrategy.kind === 'multinomial' ? 0 : xtStrategy.kind === 'topP' ? 1 : 2,
  };
}

/** The initial set noise of the core's rows (torch.rand then quantize_tensor: the M largest uniforms). */
export function initialNoise(core: StepCore): void {
  for (let b = core.from; b < core.to; b++) {
    core.z.set(
      setNoise({ codebookSize: core.C, setSize: core.M, random: core.streams[b - core.from] }),
      b * core.C,
    );
  }
}

/**
 * Phase A of step i for the core's rows: x0 draw and adjustment, the Gaussian bridge to t', and
 * `fallbackRows` for rows without mass. Returns whether one of its rows is degenerate.
 */
export function drawX0AndBridge(
  core: StepCore,
  probs: Float32Array,
  i: number,
  t: number,
  tNext: number,
): boolean {
  const { C, M, K, N, z, x0, zt, sig, fallbackRows, uniforms, spec, fwork, awork, denseProbs } = core;
  const { x0Strategy, adjustFrom, adjustMode, sigmaSchedule, from, to } = core;
  // x0 prediction: draw, then (top-p/top-k only from adjustFrom on) greedy adjustment.
  const adjustX0 = adjustsAt(x0Strategy, t, adjustFrom);
  denseProbs.probs = probs;
  for (let b = from; b < to; b++) {
    const next = core.streams[b - from];
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
  for (let b = from; b < to; b++) {
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
  return anyDegenerate;
}

/** Phase B of step i for the core's rows: the next state, drawn or (fallback rows) rounded. */
export function drawNext(core: StepCore, i: number, t: number): void {
  const { C, M, z, zt, sig, fallbackRows, gauss, lo, hi, window, uniforms, spec } = core;
  const { gwork, awork, rwork, gaussProbs, gaussDense, xtStrategy, xtCode, from, to } = core;
  const adjustXt = adjustsAt(xtStrategy, t, core.adjustFrom);
  let anyFallback = false;
  for (let b = from; b < to; b++) {
    const row = b * C;
    if (fallbackRows[b]) {
      // flows.py's except path: quantize_tensor(z_t)
      roundRowToSum(zt, row, C, M, z, row, rwork);
      anyFallback = true;
      continue;
    }
    const next = core.streams[b - from];
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
      adjustRow(z, row, C, gaussProbs, M, core.adjustMode, awork);
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
      if (adjustXt) adjustRow(z, row, C, gaussDense, M, core.adjustMode, awork);
    }
  }
  if (anyFallback) {
    for (let c = from * C; c < to * C; c++) {
      if (z[c] < 0) {
        throw new FsddError(
          `step ${i}: expected the fallback rounding of z_t to give counts >= 0, got ${z[c]} at row ${Math.floor(c / C)}, entry ${c % C} (the reference's model would fail on it too)`,
        );
      }
    }
  }
}

/** The step phases over every row of a run: on the calling thread, or shared with worker threads. */
export interface StepRows {
  /** The initial set noise of every row. */
  noise(): Promise<void>;
  /** Phase A of step i from the model's probabilities; resolves to whether a row is degenerate. */
  x0AndBridge(probs: Float32Array, i: number, t: number, tNext: number): Promise<boolean>;
  /** Phase B of step i. */
  next(i: number, t: number): Promise<void>;
  /** Releases what the rows hold (threads). */
  close(): Promise<void>;
}

/** Every row of `core` on the calling thread. */
export function callingThreadRows(core: StepCore): StepRows {
  return {
    noise: async () => initialNoise(core),
    x0AndBridge: async (probs, i, t, tNext) => drawX0AndBridge(core, probs, i, t, tNext),
    next: async (i, t) => drawNext(core, i, t),
    close: async () => {},
  };
}

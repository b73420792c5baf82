// The distributions the sampler benchmark runs on. At the real size (C = 4096, M = 128): a peaked
// stub, a diffuse stub (as early FSDD steps look) and outputs recorded from the DiT1D-S
// formula-weights model (untrained: near-uniform, the hardest case) at an early, a middle and a late
// step; at the trained demo model's own size (C = 512, M = 32): its outputs at the same steps of a
// real sampling run. The real-size model is chosen in one place, `benchModel` below.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setNoise } from '@tokenset/set-codec';
import { type Denoiser, sample, seededUniform, timeGrid } from '../src/index.ts';

/** The real size (the released checkpoints'): codebook entries C, tokens per set M, counts K = M + 1. */
export const C = 4096;
export const M = 128;
export const K = M + 1;

/** The sizes of a benchmark input's distributions. */
export interface SamplerSizes {
  /** C: entries per row. */
  codebookSize: number;
  /** M: tokens per set; each entry's distribution has M + 1 counts. */
  setSize: number;
}

/** The real size as {@link SamplerSizes}. */
export const REAL_SIZE: SamplerSizes = { codebookSize: C, setSize: M };

/** One input of the benchmark: per-entry distributions for `rows` rows, `[rows·C·(M+1)]`. */
export interface SamplerInput extends SamplerSizes {
  name: string;
  probs: Float32Array;
  /** The unconditional distributions for guidance (default: `probs` flattened). */
  uncond?: Float32Array;
  rows: number;
}

/** Values per row, C·(M+1). */
export function rowLength(sizes: SamplerSizes): number {
  return sizes.codebookSize * (sizes.setSize + 1);
}

/** Per entry: 0.9 on a mode (count 1 on M spread entries, else 0), 0.1 spread geometrically. */
export function peakedProbs(rows: number): Float32Array {
  const probs = new Float32Array(rows * C * K);
  for (let b = 0; b < rows; b++) {
    for (let c = 0; c < C; c++) {
      const o = (b * C + c) * K;
      const mode = (c * 7 + b) % (C / M) === 0 ? 1 : 0;
      let rest = 0;
      for (let k = 0; k < K; k++) {
        if (k === mode) continue;
        const v = 0.5 ** (Math.abs(k - mode) + 1);
        probs[o + k] = v;
        rest += v;
      }
      for (let k = 0; k < K; k++) probs[o + k] = k === mode ? 0.9 : (0.1 * probs[o + k]) / rest;
    }
  }
  return probs;
}

/**
 * Per entry: count 0 holds about 70% of the mass, the rest is spread over all 129 counts (slowly
 * decaying, with a per-entry jitter so that no two entries are alike), as early FSDD steps look.
 */
export function diffuseProbs(rows: number): Float32Array {
  const probs = new Float32Array(rows * C * K);
  const jitter = seededUniform('diffuse');
  for (let i = 0; i < rows * C; i++) {
    const o = i * K;
    const zero = 0.65 + 0.1 * jitter();
    let rest = 0;
    for (let k = 1; k < K; k++) rest += probs[o + k] = (0.5 + jitter()) / (1 + k / 16);
    probs[o] = zero;
    for (let k = 1; k < K; k++) probs[o + k] = ((1 - zero) * probs[o + k]) / rest;
  }
  return probs;
}

/** The model whose outputs the benchmark records (swap for the trained demo model once it exists). */
export async function benchModel(): Promise<{
  name: string;
  model: Denoiser & { release(): Promise<void> };
}> {
  const { DiT1D } = await import('@tokenset/dit1d');
  const { formulaStateDict, parseShapes } = await import('@tokenset/formula-weights');
  const shapesUrl = new URL('../../dit1d/test/fixtures/full-dit1d-s/shapes.json', import.meta.url);
  const shapes = parseShapes(JSON.parse(readFileSync(shapesUrl, 'utf8')));
  const model = await DiT1D.fromStateDict(formulaStateDict(shapes), {
    preset: 'DiT1D-S',
    consumeStateDict: true,
  });
  return { name: 'DiT1D-S formula weights', model };
}

/** Steps of a 25-step run whose model outputs are recorded: early, middle, late. */
export const RECORDED_STEPS = [2, 12, 22] as const;

const cacheDir = new URL('../node_modules/.cache/sampler-bench/', import.meta.url);

/**
 * The model's (unguided) outputs for one row at the recorded steps, each at a state z_t formed as
 * the forward process forms it from set noise and a data-like target. Recorded once and cached
 * under `node_modules/.cache` (a DiT1D-S forward takes tens of seconds on two busy cores).
 */
export async function recordedInputs(): Promise<SamplerInput[]> {
  const grid = timeGrid(25);
  const cached = (step: number) => new URL(`step-${step}.f32`, cacheDir);
  let name = 'DiT1D-S formula weights';
  if (!RECORDED_STEPS.every((s) => existsSync(cached(s)))) {
    const bench = await benchModel();
    name = bench.name;
    mkdirSync(cacheDir, { recursive: true });
    const noise = setNoise({ codebookSize: C, setSize: M, random: seededUniform('noise') });
    const target = setNoise({ codebookSize: C, setSize: M, random: seededUniform('target') });
    for (const step of RECORDED_STEPS) {
      const t = grid[step];
      const zt = new Int32Array(C);
      // z_t = round(t·x0 + (1 - t)·x1): each code of the target or of the noise, by t
      const pick = seededUniform(`pick-${step}`);
      for (let c = 0; c < C; c++) zt[c] = pick() < t ? target[c] : noise[c];
      // the conditional row (class 207) and the unconditional one (the null label)
      const zz = new Int32Array(2 * C);
      zz.set(zt);
      zz.set(zt, C);
      const probs = await bench.model.probabilities(zz, Float32Array.of(t, t), Int32Array.of(207, 1000));
      writeFileSync(cached(step), probs);
    }
    await bench.model.release();
  }
  return RECORDED_STEPS.map((step) => {
    const bytes = readFileSync(cached(step));
    const both = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    const probs = both.subarray(0, C * K);
    const uncond = both.subarray(C * K);
    return {
      name: `${name}, step ${step}/25 (t=${grid[step].toFixed(2)})`,
      probs,
      uncond,
      rows: 1,
      ...REAL_SIZE,
    };
  });
}

/** The digits of the demo model's recorded run: one row per class. */
const DEMO_LABELS = Int32Array.from({ length: 10 }, (_, d) => d);

/**
 * A cache key for a model file: the first 12 hex digits of the SHA-1 of its bytes, so that outputs
 * recorded from a model are recorded afresh once the file changes (a retrained model).
 */
export function modelCacheKey(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex').slice(0, 12);
}

/**
 * The trained demo model's outputs (`@tokenset/demo-models`' generator, C = 512, M = 32, 10 digit
 * classes) at the recorded steps of a real 25-step run at the reference defaults: one row per digit
 * 0–9 (seeds 0…9), and for each the unconditional row (the null label 10) of the guided call, at the
 * states the run reached. Cached under `node_modules/.cache` by {@link modelCacheKey} of
 * `generator.pth`, so a retrained model is recorded afresh.
 */
export async function demoModelInputs(): Promise<SamplerInput[]> {
  const { DEMO_MODEL_PATHS } = await import('@tokenset/demo-models');
  const bytes = readFileSync(DEMO_MODEL_PATHS.generator);
  const key = modelCacheKey(bytes);
  const cached = (step: number) => new URL(`demo-${key}-step-${step}.f32`, cacheDir);
  let sizes: SamplerSizes | undefined;
  const sizesFile = new URL(`demo-${key}-sizes.json`, cacheDir);
  if (!RECORDED_STEPS.every((s) => existsSync(cached(s))) || !existsSync(sizesFile)) {
    const { DiT1D } = await import('@tokenset/dit1d');
    // The bytes that were hashed, so the key always names what was recorded.
    const model = await DiT1D.load(bytes);
    sizes = { codebookSize: model.codebookSize, setSize: model.setSize };
    const recorded = new Map<number, Float32Array>();
    let call = 0;
    // With guidance, each step calls the model once on the doubled batch: the conditional rows
    // first, then the same states with the null label.
    const recorder: Denoiser = {
      codebookSize: model.codebookSize,
      setSize: model.setSize,
      numClasses: model.numClasses,
      async probabilities(counts, t, labels) {
        const probs = await model.probabilities(counts, t, labels);
        if ((RECORDED_STEPS as readonly number[]).includes(call)) recorded.set(call, probs.slice());
        call++;
        return probs;
      },
    };
    try {
      await sample(recorder, { labels: DEMO_LABELS, seed: 0, steps: 25, threads: 1 });
    } finally {
      await model.release();
    }
    mkdirSync(cacheDir, { recursive: true });
    for (const step of RECORDED_STEPS) writeFileSync(cached(step), recorded.get(step)!);
    writeFileSync(sizesFile, JSON.stringify(sizes));
  }
  sizes ??= JSON.parse(readFileSync(sizesFile, 'utf8')) as SamplerSizes;
  const rows = DEMO_LABELS.length;
  const n = rows * rowLength(sizes);
  const grid = timeGrid(25);
  return RECORDED_STEPS.map((step) => {
    const bytes = readFileSync(cached(step));
    if (bytes.byteLength !== 2 * n * 4) {
      throw new RangeError(
        `${cached(step).pathname}: expected ${2 * n} float32 values (2 × ${rows} rows), got ${bytes.byteLength / 4}`,
      );
    }
    const both = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    return {
      name: `trained demo model C=${sizes.codebookSize} M=${sizes.setSize} (${key}), step ${step}/25 (t=${grid[step].toFixed(2)})`,
      probs: both.subarray(0, n),
      uncond: both.subarray(n),
      rows,
      ...sizes,
    };
  });
}

/**
 * Tiles distributions of `from` rows to `rows` rows of `sizes` (rows cycle; the sampler's cost
 * depends on the shape).
 */
export function tiled(probs: Float32Array, from: number, rows: number, sizes: SamplerSizes): Float32Array {
  const n = rowLength(sizes);
  if (probs.length !== from * n) {
    throw new RangeError(`probs: expected ${from} rows × ${n} values, got length ${probs.length}`);
  }
  const out = new Float32Array(rows * n);
  for (let b = 0; b < rows; b++) out.set(probs.subarray((b % from) * n, ((b % from) + 1) * n), b * n);
  return out;
}

/** A stub denoiser of `rows` rows for a benchmark input, at the input's sizes. */
export function inputDenoiser(input: SamplerInput, rows: number): Denoiser {
  const cond = tiled(input.probs, input.rows, rows, input);
  return stubDenoiser(cond, rows, input, input.uncond && tiled(input.uncond, input.rows, rows, input));
}

/**
 * The unconditional stand-in for a stub's distributions (each of `sizes.setSize + 1` counts):
 * each one flattened (p^0.8, renormalised), as an unconditional model is less sure than a
 * conditional one; guidance sharpens it back.
 */
export function flattened(probs: Float32Array, sizes: SamplerSizes): Float32Array {
  const K = sizes.setSize + 1;
  const out = new Float32Array(probs.length);
  for (let o = 0; o < probs.length; o += K) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += out[o + k] = probs[o + k] ** 0.8;
    for (let k = 0; k < K; k++) out[o + k] /= sum;
  }
  return out;
}

/**
 * A stub denoiser of `sizes` that returns fixed distributions: `cond` for the conditional rows
 * and, for the unconditional half of a guided (doubled) batch, `uncond` (default: `cond` flattened).
 */
export function stubDenoiser(
  cond: Float32Array,
  rows: number,
  sizes: SamplerSizes,
  uncond = flattened(cond, sizes),
): Denoiser {
  const n = rows * rowLength(sizes);
  if (cond.length !== n || uncond.length !== n) {
    throw new RangeError(
      `cond, uncond: expected ${rows} rows × ${rowLength(sizes)} values each, got ${cond.length} and ${uncond.length}`,
    );
  }
  const doubled = new Float32Array(2 * n);
  doubled.set(cond);
  doubled.set(uncond, n);
  return {
    codebookSize: sizes.codebookSize,
    setSize: sizes.setSize,
    // The stub ignores labels; 1000 admits any row index as a label.
    numClasses: 1000,
    probabilities: async (_counts, t) => (t.length === rows ? cond : doubled),
  };
}

/**
 * Set-tokenizer training (the original repository ships none): the reference architecture at a
 * small size, trained on MNIST digits with a reconstruction loss (mean squared error in [-1, 1])
 * plus the quantizer's commitment and codebook losses. Against codebook collapse: the codebook
 * starts from encoder outputs of the first batch, and entries unused for `restartEvery` steps are
 * restarted at random encoder outputs of the current batch. Writes `tokenizer.pth` (a plain state
 * dict, as `set_tokenizer_*.pth`), `tokenizer.json` (the sizes weights cannot tell) and
 * `tokenizer.train.pth` (everything a resumed run needs).
 */

import { mnistDigits } from '@tokenset/demo-models';
import { tokenizerShapes } from '@tokenset/tokenizer';
import { AdamW } from './adam.js';
import {
  blockCount,
  checkResumedArgs,
  firstSizeMismatch,
  float32,
  readStateDict,
  readTrainingState,
  restoreVariables,
  resumeInto,
  stateDictOf,
  trainingStateTree,
  writeTreeAtomic,
} from './checkpoint-files.js';
import { batchImages, batchOrder, shiftImages } from './data.js';
import { DataParallel } from './data-parallel.js';
import { fanIn, initParams, type ShapeEntry } from './init.js';
import { l2Normalize, type Params } from './layers.js';
import { type DataParallelOptions, runLogged, type TrainRunOptions } from './loop.js';
import { perceptualLossOf, releasePerceptual } from './perceptual-loss.js';
import { derivedSeed, permutation, uniformStream } from './random.js';
import { checkReconstructionLoss, type ReconstructionLoss } from './reconstruction-loss.js';
import {
  checkKeys,
  learningRate,
  positiveInteger,
  prepareOutput,
  type RunFiles,
  workerCount,
  writeJsonAtomic,
} from './run-files.js';
import { shardRanges } from './shard-loss.js';
import { initBackend, tf } from './tf.js';
import { encodeLatent, type TokenizerNetConfig } from './tokenizer-net.js';

/**
 * The sizes the demo tokenizer was trained at (its codebook later grown to 256, then 512 entries: see
 * `@tokenset/demo-models`): 32×32 digits, patch 4, 32 tokens from a codebook of 128 vectors of
 * dimension 6. With the release's 12 dimensions, 128 unit vectors cover the sphere so coarsely
 * (about 40° to the nearest entry) that the quantizer loss grew after quantisation began and the
 * reconstruction error went back up (seen in a first run); 6 dimensions bring it to about 22°.
 */
export const DEMO_TOKENIZER_CONFIG: TokenizerNetConfig = {
  imageSize: 32,
  patchSize: 4,
  width: 64,
  layers: 2,
  heads: 4,
  numLatentTokens: 32,
  codebookSize: 128,
  tokenSize: 6,
  pixelDecoder: {
    zChannels: 64,
    hiddenChannels: 32,
    channelMult: [1, 1, 2],
    numResBlocks: 1,
    outChannels: 3,
  },
};

/** Options of {@link trainTokenizer}. */
export interface TrainTokenizerOptions extends TrainRunOptions, DataParallelOptions {
  /** Training steps (default 2500: about nine epochs at batch 32). */
  steps?: number;
  /** Peak learning rate (default 1e-3; linear warm-up, then cosine to a tenth). */
  learningRate?: number;
  /** Sizes (default {@link DEMO_TOKENIZER_CONFIG}). */
  config?: Partial<TokenizerNetConfig>;
  /** Steps between codebook restarts of unused entries (default 50; 0 disables them). */
  restartEvery?: number;
  /**
   * Warm-up steps without quantisation (default 150): the decoder reads the L2-normalised latents
   * themselves, so the encoder learns image-dependent latents before the codebook is initialised
   * from them. Without it every image started with the same token set (one entry per position).
   */
  quantizeAfter?: number;
  /**
   * The reconstruction loss (default `'mse'`); see {@link ReconstructionLoss}. The log's `mse` is the
   * mean squared error whichever loss trains.
   */
  loss?: ReconstructionLoss;
  /**
   * A tokenizer checkpoint (`tokenizer.pth`, a plain state dict) whose weights start the run instead
   * of the random initialisation: fine-tuning, e.g. longer or with another loss. Sizes must match,
   * except that the run may have more `layers` (growing a trained tokenizer): the file's blocks fill
   * the first ones of the encoder and of the decoder, and each extra block starts with zero output
   * maps (attention and MLP), an identity map, so the grown tokenizer starts out computing exactly
   * what the file's did. The codebook comes from the file, so quantisation is on from the first
   * step (`quantizeAfter` is 0); the optimizer and learning-rate schedule start afresh. Not with
   * `resume`.
   */
  init?: string;
  /**
   * Data augmentation: each training image moves by a random whole number of pixels, up to this many
   * in each direction (default 0: none). 2 is the most that keeps every MNIST stroke in the frame.
   * Against overfitting: after 7,400 steps without it the demo tokenizer's reconstructions are
   * right for 96.9% of training digits and 93.4% of held-out ones.
   */
  shift?: number;
  /**
   * A digit classifier (`classifier.pth`, as `trainClassifier` writes it) for a perceptual loss
   * added to the reconstruction loss (see `perceptual-loss.ts`; LPIPS-like, as the reference's
   * VQGAN-style tokenizers are trained with). Use a classifier of its own (another seed), not the one
   * that measures the results. 32×32 images only.
   */
  perceptual?: string;
  /** Factor on the perceptual distance (default 1). */
  perceptualWeight?: number;
  /**
   * Train the decoder alone (the ViT decoder and the pixel decoder); the encoder and the codebook
   * keep `init`'s weights, so every image keeps its token set and a generator trained on the
   * tokenizer's sets stays valid (the second stage of TiTok's training). Needs `init`, or `resume`
   * of a decoder-only run; no codebook restarts.
   */
  decoderOnly?: boolean;
}

/** What {@link trainTokenizer} leaves behind. */
export interface TrainTokenizerResult {
  /** The plain state dict (`SetTokenizer.load` reads it with `tokenizer.json` beside it). */
  tokenizerPath: string;
  configPath: string;
  trainStatePath: string;
  logPath: string;
  /** Steps done (fewer than asked when aborted). */
  steps: number;
}

const KIND = 'tokenizer';

/** The reference tokenizer's parameters at the given sizes, in state-dict order. */
export function tokenizerParameterShapes(c: TokenizerNetConfig): ShapeEntry[] {
  return tokenizerShapes({ ...c, mlpRatio: 4, pixelDecoder: { ...c.pixelDecoder } });
}

/** Initial values: TiTok's width^-½ scale for embeddings, 1/√fan_in for linear maps, PyTorch's for convolutions. */
function tokenizerInit(width: number) {
  return (e: ShapeEntry) => {
    const { name, shape } = e;
    if (name.endsWith('bias')) return { kind: 'constant', value: 0 } as const;
    if (shape.length === 1) return { kind: 'constant', value: 1 } as const; // LayerNorm / GroupNorm scales
    if (/(class_embedding|positional_embedding|latent_tokens|mask_token)$/.test(name))
      return { kind: 'normal', std: width ** -0.5 } as const;
    if (name === 'quantize.embedding.weight') return { kind: 'normal', std: 1 } as const;
    // Convolutions (the patch embedding too) as PyTorch initialises them: with TiTok's 0.02 the
    // patches reach the latent tokens too faintly, every image gets the same token set, and the
    // codebook collapses to one entry per token position (seen in a first run).
    if (shape.length === 4) return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn(shape)) } as const;
    // Linear maps: normal with std 1/√fan_in. TiTok's 0.02 suits width 768; at width 64 it left
    // the encoder's gradient 10⁴ times weaker than the pixel decoder's (measured), and nothing
    // but the mean image was learnt in the first hundreds of steps.
    return { kind: 'normal', std: 1 / Math.sqrt(fanIn(shape)) } as const;
  };
}

/**
 * Factor on the initial query and key projections. With 1/√fan_in weights the attention of a
 * small, shallow ViT starts almost uniform: every latent token reads the mean of all patches, the
 * latents differ by about 6% from image to image (measured), and the decoder learns nothing but
 * the mean image for hundreds of steps. ×3 makes the initial attention depend on content (38%
 * image-to-image difference) and an 8-image overfit drops from 0.17 to 0.013 in 70 steps.
 */
const ATTENTION_SHARPENING = 3;

/**
 * The codebook learns ten times faster than the rest. At the common rate the encoder's latents
 * moved away from their entries faster than the entries followed (the quantizer loss rose from
 * 0.02 to 0.05 over the first 40 quantised steps of a run, and the reconstruction stalled).
 */
const CODEBOOK_LR_SCALE = { 'quantize.embedding.weight': 10 } as const;

/** Scales the query and key rows (the first two thirds) of every `in_proj_weight` by `factor`. */
function sharpenAttention(p: Params, factor: number): void {
  for (const [name, v] of p) {
    if (!name.endsWith('.attn.in_proj_weight')) continue;
    const data = Float32Array.from(v.dataSync() as Float32Array);
    const qk = (2 * data.length) / 3;
    for (let i = 0; i < qk; i++) data[i] *= factor;
    v.assign(tf.tensor(data, v.shape));
  }
}

/** Checks every setting before any work; returns the complete config. */
export function tokenizerRunConfig(options: TrainTokenizerOptions): TokenizerNetConfig {
  checkKeys('config', options.config, Object.keys(DEMO_TOKENIZER_CONFIG));
  checkKeys(
    'config.pixelDecoder',
    options.config?.pixelDecoder,
    Object.keys(DEMO_TOKENIZER_CONFIG.pixelDecoder),
  );
  const c: TokenizerNetConfig = {
    ...DEMO_TOKENIZER_CONFIG,
    ...options.config,
    pixelDecoder: { ...DEMO_TOKENIZER_CONFIG.pixelDecoder, ...options.config?.pixelDecoder },
  };
  tokenizerParameterShapes(c); // throws RangeError on sizes that do not fit (e.g. image size vs patch)
  if (!Number.isInteger(c.heads) || c.heads < 1 || c.width % c.heads !== 0) {
    throw new RangeError(`heads: expected a positive divisor of the width ${c.width}, got ${c.heads}`);
  }
  for (const ch of [c.pixelDecoder.hiddenChannels * Math.min(...c.pixelDecoder.channelMult)]) {
    if (ch % 32 !== 0)
      throw new RangeError(
        `pixelDecoder.hiddenChannels: expected channels divisible by 32 (GroupNorm), got ${ch}`,
      );
  }
  return c;
}

/**
 * Trains a set tokenizer. Resumable: with `resume`, it continues from the last checkpoint to
 * exactly the weights an uninterrupted run would reach.
 *
 * @example
 * ```ts
 * await trainTokenizer({ out: 'runs/tok', steps: 1200, onProgress: (e) => console.log(e) });
 * ```
 */
export async function trainTokenizer(options: TrainTokenizerOptions): Promise<TrainTokenizerResult> {
  const c = tokenizerRunConfig(options);
  const steps = positiveInteger('steps', options.steps ?? 2500);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 32);
  const peakLr = options.learningRate ?? 1e-3;
  const seed = options.seed ?? 0;
  const workers = workerCount(options.workers, batchSize);
  const decoderOnly = options.decoderOnly ?? false;
  if (decoderOnly && options.init === undefined && !options.resume)
    throw new RangeError(
      'decoderOnly: expected an init tokenizer (its encoder and codebook stay) or a resumed decoder-only run, got neither',
    );
  if (decoderOnly && (options.restartEvery ?? 0) > 0)
    throw new RangeError(
      `restartEvery: expected 0 with decoderOnly (the codebook stays), got ${options.restartEvery}`,
    );
  const restartEvery = decoderOnly ? 0 : (options.restartEvery ?? 50);
  if (options.perceptualWeight !== undefined && options.perceptual === undefined)
    throw new RangeError('perceptualWeight: expected a perceptual classifier to weigh, got none');
  const perceptualWeight = options.perceptualWeight ?? 1;
  const loss = checkReconstructionLoss(options.loss ?? 'mse');
  const shift = options.shift ?? 0;
  if (!Number.isInteger(shift) || shift < 0 || shift >= c.imageSize)
    throw new RangeError(
      `shift: expected a whole number of pixels from 0 to ${c.imageSize - 1}, got ${shift}`,
    );
  if (options.init !== undefined && typeof options.init !== 'string')
    throw new TypeError(`init: expected a tokenizer .pth path, got ${typeof options.init}`);
  if (options.init !== undefined && options.resume)
    throw new RangeError('init: expected no resume (a resumed run continues its own weights), got both');
  const shapes = tokenizerParameterShapes(c);
  const initial =
    options.init === undefined ? undefined : await readStateDict(options.init, '--init', 'tokenizer');
  const initShapes = initial === undefined ? [] : checkInitSizes(options.init!, initial, c);
  const perceptual =
    options.perceptual === undefined
      ? undefined
      : perceptualLossOf(
          await readStateDict(options.perceptual, '--perceptual', 'classifier'),
          options.perceptual,
          perceptualWeight,
          c.imageSize,
        );
  const files: RunFiles = await prepareOutput(options.out, KIND, options.resume ?? false);
  const data = options.data ?? mnistDigits().train;
  if (data.count < batchSize)
    throw new RangeError(`data: expected at least ${batchSize} images, got ${data.count}`);
  const resumed = options.resume ? await readTrainingState(files.state, KIND) : undefined;
  // A run that started from `init` (resumed or not) has its codebook from the file: quantised from
  // the first step, never re-initialised from data.
  const initSource = options.init ?? (resumed?.args.init as string | undefined);
  const fromInit = initSource !== undefined;
  const quantizeAfter = options.quantizeAfter ?? (fromInit ? 0 : 150);
  const args = {
    ...c,
    steps,
    batchSize,
    learningRate: peakLr,
    seed,
    workers,
    decoderOnly,
    restartEvery,
    quantizeAfter,
    loss,
    shift,
    ...(initSource === undefined ? {} : { init: initSource }),
    ...perceptualArgs(options.perceptual, perceptualWeight),
  };
  if (resumed !== undefined) checkResumedArgs(files.state, resumed.args, args);

  await initBackend();
  const params: Params = initParams(shapes, tokenizerInit(c.width), seed);
  if (initial === undefined) sharpenAttention(params, ATTENTION_SHARPENING);
  else {
    const loaded = new Map(initShapes.map(({ name }) => [name, params.get(name)!]));
    restoreVariables(loaded, initial, 'tokenizer', (v, d) => v.assign(tf.tensor(d, v.shape)));
    startAsIdentity(params, new Set(loaded.keys()));
  }
  const optimizer = new AdamW(params);
  const usage = new Float64Array(c.codebookSize);
  let startStep = 0;
  if (resumed !== undefined) {
    startStep = resumeInto(resumed, files.state, params, optimizer);
    const savedUsage = resumed.groups.get('progress')?.get('usage');
    if (savedUsage !== undefined) usage.set(savedUsage);
  }
  const order = batchOrder(data.count, batchSize, seed);

  const save = async (stepsDone: number) => {
    const progress = { kind: KIND, usage: float32(Float32Array.from(usage), [usage.length]) };
    await writeTreeAtomic(files.state, trainingStateTree(params, optimizer, progress, args));
    await writeTreeAtomic(files.model, stateDictOf(params));
    await writeJsonAtomic(files.config, {
      ...tokenizerJson(c),
      trainedSteps: stepsDone,
      seed,
      loss,
      shift,
      // a fine-tuned tokenizer's steps are this run's: say where it started
      ...(initSource === undefined ? {} : { init: initSource }),
      ...perceptualArgs(options.perceptual, perceptualWeight),
      ...(decoderOnly ? { decoderOnly } : {}),
    });
    return files.state;
  };

  const pixels = c.imageSize * c.imageSize * 3;
  const shardFigures = perceptual === undefined ? ['mse', 'vq'] : ['mse', 'vq', 'perceptual'];
  const step = async (s: number) => {
    const indices = order(s);
    const batch = batchImages(data, indices);
    if (shift > 0) shiftImages(batch, c.imageSize, shift, uniformStream(derivedSeed(seed, 'shift', s)));
    const quantizing = s >= quantizeAfter;
    if (s === quantizeAfter && !fromInit) initCodebookFromData(params, c, batch, batchSize, seed);
    const shards = shardRanges(batchSize, pool.workers).map(([from, to]) => ({
      rows: to - from,
      images: batch.slice(from * pixels, to * pixels),
      quantizing,
    }));
    const { value, grads, sides } = await pool.gradients(params, shards);
    optimizer.apply(grads, learningRate(s, steps, peakLr), CODEBOOK_LR_SCALE);
    tf.dispose(Object.values(grads));
    // each shard reports means over its rows: the batch's are the row-weighted sums
    const figures: Record<string, number> = { loss: value };
    for (const name of shardFigures) {
      figures[name] = sides.reduce(
        (sum, side, i) => sum + (side.figures[name] * shards[i].rows) / batchSize,
        0,
      );
    }
    const codes = concatenated(sides.map((side) => side.codes ?? new Int32Array(0)));
    for (const code of codes) usage[code]++;
    const used = usage.reduce((n, u) => n + (u > 0 ? 1 : 0), 0);
    let restarted = 0;
    if (quantizing && restartEvery > 0 && (s + 1 - quantizeAfter) % restartEvery === 0) {
      const latents = concatenated(sides.map((side) => side.latents ?? new Float32Array(0)));
      restarted = restartUnused(params, c, usage, latents, derivedSeed(seed, 'restart', s));
      usage.fill(0);
    }
    return { ...figures, codebookUsed: used, restarted, perplexity: perplexityOf(codes, c.codebookSize) };
  };

  const pool = DataParallel.start(
    { kind: 'tokenizer', config: c, loss, ...(perceptual && { perceptual }), decoderOnly },
    shapes,
    workers,
  );
  let done: number;
  try {
    done = await runLogged(
      { kind: KIND, batchSize, step, save },
      { startStep, totalSteps: steps },
      files.log,
      options,
    );
  } finally {
    await pool.close();
    tf.dispose([...params.values()]);
    if (perceptual !== undefined) releasePerceptual(perceptual);
  }
  return {
    tokenizerPath: files.model,
    configPath: files.config,
    trainStatePath: files.state,
    logPath: files.log,
    steps: done,
  };
}

/** What `args` and `tokenizer.json` record of the perceptual loss (nothing without it). */
function perceptualArgs(path: string | undefined, weight: number): Record<string, unknown> {
  return path === undefined ? {} : { perceptual: path, perceptualWeight: weight };
}

/**
 * Checks that `--init`'s weights fit the run's sizes (as many layers or fewer), before any work.
 * Returns the parameters they fill.
 */
function checkInitSizes(
  path: string,
  weights: Map<string, Float32Array>,
  c: TokenizerNetConfig,
): ShapeEntry[] {
  const layers = blockCount(weights, 'encoder.transformer.');
  if (layers > c.layers) {
    throw new RangeError(
      `--init ${path}: expected a tokenizer of ${c.layers} layers or fewer (the run's), got ${layers}`,
    );
  }
  const shapes = tokenizerParameterShapes({ ...c, layers: Math.max(layers, 1) });
  const bad = firstSizeMismatch(shapes, weights);
  if (bad !== undefined) {
    throw new RangeError(
      `--init ${path}: expected '${bad.name}' with ${bad.size} values, got ${bad.got ?? 'none'} (width ${c.width}, ${c.layers} layers, ${c.numLatentTokens} tokens, codebook ${c.codebookSize} × ${c.tokenSize}, image ${c.imageSize}, patch ${c.patchSize})`,
    );
  }
  return shapes;
}

/**
 * Zeroes the output maps of the transformer blocks `--init` did not fill (a grown tokenizer), so
 * that each is an identity map: `x + 0` after attention and after the MLP. Their other weights keep
 * the fresh initialisation (the query and key maps sharpened as in a new run), and they learn from
 * the first step on, as the output maps' gradients are not zero.
 */
function startAsIdentity(params: Params, loaded: ReadonlySet<string>): void {
  const fresh = new Map([...params].filter(([name]) => !loaded.has(name)));
  sharpenAttention(fresh, ATTENTION_SHARPENING);
  for (const [name, v] of fresh) {
    if (/\.(attn\.out_proj|mlp\.c_proj)\.(weight|bias)$/.test(name)) v.assign(tf.zerosLike(v));
  }
}

/** The sizes `tokenizer.json` records (what `SetTokenizer.load` cannot read from weights, and the rest for people). */
export function tokenizerJson(c: TokenizerNetConfig): Record<string, unknown> {
  return {
    format: 'tokenset-tokenizer',
    imageSize: c.imageSize,
    patchSize: c.patchSize,
    numHeads: c.heads,
    width: c.width,
    layers: c.layers,
    numLatentTokens: c.numLatentTokens,
    codebookSize: c.codebookSize,
    tokenSize: c.tokenSize,
    pixelDecoder: c.pixelDecoder,
  };
}

/** Codebook = L2-normalised encoder outputs of the first batch, picked at random (data-based init). */
function initCodebookFromData(
  p: Params,
  c: TokenizerNetConfig,
  batch: Float32Array,
  rows: number,
  seed: number,
): void {
  const latents = tf.tidy(() => {
    const images = tf.tensor4d(batch, [rows, c.imageSize, c.imageSize, 3]);
    return l2Normalize(encodeLatent(p, c, images).reshape([-1, c.tokenSize])).dataSync();
  }) as Float32Array;
  const n = latents.length / c.tokenSize;
  const pick = permutation(uniformStream(derivedSeed(seed, 'codebook-init')), n);
  const table = new Float32Array(c.codebookSize * c.tokenSize);
  for (let i = 0; i < c.codebookSize; i++) {
    const r = pick[i % n];
    table.set(latents.subarray(r * c.tokenSize, (r + 1) * c.tokenSize), i * c.tokenSize);
  }
  p.get('quantize.embedding.weight')!.assign(tf.tensor2d(table, [c.codebookSize, c.tokenSize]));
}

/** Dead-code restart: every entry not chosen since the last restart moves to a random latent of this batch. */
function restartUnused(
  p: Params,
  c: TokenizerNetConfig,
  usage: Float64Array,
  latents: Float32Array,
  seed: number,
): number {
  const dead = [...usage.keys()].filter((i) => usage[i] === 0);
  if (dead.length === 0) return 0;
  const variable = p.get('quantize.embedding.weight')!;
  const table = Float32Array.from(variable.dataSync() as Float32Array);
  const u = uniformStream(seed);
  const n = latents.length / c.tokenSize;
  for (const i of dead) {
    const r = Math.floor(u() * n);
    table.set(latents.subarray(r * c.tokenSize, (r + 1) * c.tokenSize), i * c.tokenSize);
  }
  variable.assign(tf.tensor2d(table, [c.codebookSize, c.tokenSize]));
  return dead.length;
}

/** The arrays one after another. */
function concatenated<T extends Int32Array | Float32Array>(parts: T[]): T {
  const total = parts.reduce((n, a) => n + a.length, 0);
  const out = new (parts[0].constructor as new (n: number) => T)(total);
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** exp(entropy) of the codes' histogram: how many entries a batch effectively uses. */
function perplexityOf(codes: Int32Array, size: number): number {
  const counts = new Float64Array(size);
  for (const k of codes) counts[k]++;
  let h = 0;
  for (const n of counts) if (n > 0) h -= (n / codes.length) * Math.log(n / codes.length);
  return Math.exp(h);
}

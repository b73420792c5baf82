/**
 * DiT1D training with Fixed-Sum Discrete Diffusion, as the reference `train.py`: the training
 * digits are tokenized once by a trained set tokenizer (on onnxruntime), each step forms a batch
 * with `@tokenset/fsdd`'s `trainingExample` (set noise, t, the discretised Gaussian draw and the
 * greedy adjustment), drops labels to the null label for classifier-free guidance, and minimises
 * the cross-entropy of the predicted counts against the data counts. Keeps an EMA of the weights.
 * Writes `generator.pth` in the released files' layout (`model`, `ema`, `args` with `num_heads`).
 */

import { type DigitSet, mnistDigits } from '@tokenset/demo-models';
import { dit1dShapes } from '@tokenset/dit1d';
import { trainingExample } from '@tokenset/fsdd';
import { countsFromTokens } from '@tokenset/set-codec';
import { Namespace } from '@tokenset/tensor-io';
import { SetTokenizer } from '@tokenset/tokenizer';
import { AdamW, Ema } from './adam.js';
import {
  blockCount,
  checkResumedArgs,
  firstSizeMismatch,
  readGeneratorWeights,
  readTrainingState,
  restoreVariables,
  resumeInto,
  stateDictOf,
  trainingStateTree,
  writeTreeAtomic,
} from './checkpoint-files.js';
import { batchOrder } from './data.js';
import { DataParallel } from './data-parallel.js';
import type { DiT1DNetConfig } from './dit1d-net.js';
import { TrainError } from './errors.js';
import { initParams, type ShapeEntry } from './init.js';
import { type DataParallelOptions, runLogged, type TrainRunOptions } from './loop.js';
import { derivedSeed, uniformStream } from './random.js';
import {
  checkKeys,
  learningRate,
  positiveInteger,
  prepareOutput,
  type RunFiles,
  workerCount,
  writeJsonAtomic,
} from './run-files.js';
import { batchShards } from './shard-loss.js';
import { initBackend, tf } from './tf.js';

/**
 * The demo generator's sizes (C and M come from the tokenizer). One head: attention then runs as
 * 2-D products per batch item, which the WebAssembly backend runs fastest (see `attention`).
 */
export const DEMO_DIT1D_SIZES: Readonly<DiT1DSizeOptions> = { hiddenSize: 128, depth: 4, numHeads: 1 };

/** The DiT1D sizes a training run chooses (C and M come from the tokenizer, 10 classes from the data). */
export interface DiT1DSizeOptions {
  hiddenSize: number;
  depth: number;
  numHeads: number;
}

/** Options of {@link trainDiT1D}. */
export interface TrainDiT1DOptions extends TrainRunOptions, DataParallelOptions {
  /** The trained tokenizer (`tokenizer.pth`, with `tokenizer.json` beside it). */
  tokenizer: string;
  /** Steps (default 2000: about seven epochs at batch 32). */
  steps?: number;
  /** Peak learning rate (default 1e-3; linear warm-up, then cosine to a tenth; train.py uses 1e-4 at batch 256 and far more steps). */
  learningRate?: number;
  /** EMA decay (default 0.998). */
  emaDecay?: number;
  /** Probability of replacing a label by the null label (default 0.1, as the reference). */
  labelDropout?: number;
  /**
   * EMA warm-up (default true): update n averages with `min(emaDecay, (1+n)/(10+n))`. `false` is
   * train.py's fixed decay, which suits its hundreds of thousands of steps, not a short run.
   */
  emaWarmup?: boolean;
  /**
   * Factor on the class-label embedding's learning rate (default 10; 1 is the reference). The
   * labels enter through a table initialised at N(0, 0.02) behind zero-initialised adaLN maps;
   * at the common rate a 700-step run had not learnt them (generated digits 10.9% of the
   * requested class, chance).
   */
  labelLearningRateScale?: number;
  /**
   * Standard deviation of the class-label table's initial values (default 1; the reference's 0.02).
   * adaLN-Zero maps start at zero and learn from the conditioning vector: with labels 50 times
   * fainter than that vector's other part, the label directions got almost no gradient.
   */
  labelInitStd?: number;
  /**
   * Share of examples whose set noise X1 is another training digit's token set instead of the
   * reference's random set (default 0, the reference). Their noised states mix two digits' tokens
   * where the reference's mix a digit's with random entries, so the model learns, given the label,
   * which tokens of a mixed state are the class's: what the sampler needs when its earlier draws
   * have left tokens of other digits in the state (the reference's guidance at scale 50 does).
   * Not in the reference.
   */
  dataNoise?: number;
  /**
   * Largest shift of the time the model is told (default 0, the reference): each example's state is
   * noised at t, and the model reads t + u·timeShift (u uniform in [0, 1), at most 1), so it learns
   * to denoise states noisier than their time says. The sampler's states are: each step re-noises
   * towards the latest x0 draw from the noise its state implies, so tokens of earlier draws linger
   * (input perturbation against exposure bias, after Ning et al. 2023). Not in the reference.
   */
  timeShift?: number;
  /** Width, depth and heads (default {@link DEMO_DIT1D_SIZES}). */
  sizes?: Partial<DiT1DSizeOptions>;
  /**
   * A generator checkpoint (`generator.pth`, or any DiT1D file in the released layout) whose EMA
   * weights (else its model weights) start the run instead of the random initialisation: fine-tuning,
   * e.g. on the token sets of a retrained tokenizer. Sizes must match, except that the run may be
   * deeper (growing a trained generator): the file's blocks fill the first blocks, and the blocks
   * beyond them keep their fresh initialisation, whose zero adaLN gates make each an identity map,
   * so the deeper generator starts out computing exactly what the file's did. The optimizer, EMA
   * warm-up and learning-rate schedule start afresh; not with `resume` (a resumed run continues its
   * own weights).
   */
  init?: string;
}

const KIND = 'dit1d';

/**
 * DiT's initialisation: Xavier-uniform linear maps, N(0, 0.02) embeddings, zero adaLN and output
 * (adaLN-Zero); the class-label table at N(0, `labelStd`).
 */
const ditInit = (labelStd: number) => (e: ShapeEntry) => {
  const { name, shape } = e;
  if (name.endsWith('bias')) return { kind: 'constant', value: 0 } as const;
  if (name === 'y_embedder.embedding_table.weight') return { kind: 'normal', std: labelStd } as const;
  if (name.includes('adaLN_modulation') || name.startsWith('final_layer.linear'))
    return { kind: 'constant', value: 0 } as const;
  if (name === 'pos_embed' || name.includes('embedding_table') || name.startsWith('t_embedder'))
    return { kind: 'normal', std: 0.02 } as const;
  return { kind: 'uniform', bound: Math.sqrt(6 / (shape[0] + shape[1])) } as const;
};

/** Token sets of the training images, as counts `[N·C]`, by the tokenizer on onnxruntime. */
async function encodeCounts(tokenizer: SetTokenizer, data: DigitSet): Promise<Int32Array> {
  if (tokenizer.imageSize * tokenizer.imageSize * 3 * data.count !== data.images.length) {
    throw new TrainError(
      `tokenizer: expected ${Math.sqrt(data.images.length / data.count / 3)}×… images, got a ${tokenizer.imageSize}×${tokenizer.imageSize} tokenizer`,
    );
  }
  const tokens = await tokenizer.encode(data.images);
  return countsFromTokens(tokens, tokenizer.codebookSize, data.count);
}

/**
 * Checks that `--init`'s weights fit the run's sizes (C and M from the tokenizer; a depth up to the
 * run's), before any work. Returns the parameters they fill.
 */
function checkInitSizes(
  path: string,
  { group, weights }: Awaited<ReturnType<typeof readGeneratorWeights>>,
  config: DiT1DNetConfig,
): ShapeEntry[] {
  const depth = blockCount(weights, 'blocks.');
  if (depth > config.depth) {
    throw new TrainError(
      `--init ${path}: expected a generator of depth ${config.depth} or less (the run's), got depth ${depth}`,
    );
  }
  const shapes = dit1dShapes({ ...config, depth: Math.max(depth, 1) });
  const bad = firstSizeMismatch(shapes, weights);
  if (bad !== undefined) {
    throw new TrainError(
      `--init ${path}: expected '${group}.${bad.name}' with ${bad.size} values, got ${bad.got ?? 'none'} (C = ${config.codebookSize} and M = ${config.setSize} from the tokenizer, width ${config.hiddenSize}, depth ${config.depth})`,
    );
  }
  return shapes;
}

/**
 * `trainingExample`'s `replaceNoise` for {@link TrainDiT1DOptions.dataNoise}: each row's noise
 * becomes, with probability `share`, the token set of a training digit drawn uniformly from `counts`
 * (`[digits·C]`).
 */
function digitNoise(counts: Int32Array, C: number, share: number, seed: number) {
  const u = uniformStream(seed);
  const digits = counts.length / C;
  return (_row: number, noise: Int32Array) => {
    const replace = u() < share;
    const digit = Math.min(digits - 1, Math.floor(u() * digits));
    if (replace) noise.set(counts.subarray(digit * C, (digit + 1) * C));
  };
}

/**
 * Trains a class-conditional DiT1D on the token sets of a trained tokenizer.
 *
 * @example
 * ```ts
 * await trainDiT1D({ tokenizer: 'runs/tok/tokenizer.pth', out: 'runs/gen' });
 * ```
 */
export async function trainDiT1D(
  options: TrainDiT1DOptions,
): Promise<{ generatorPath: string; steps: number }> {
  const steps = positiveInteger('steps', options.steps ?? 2000);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 32);
  const peakLr = options.learningRate ?? 1e-3;
  const emaDecay = options.emaDecay ?? 0.998;
  const dropout = options.labelDropout ?? 0.1;
  const emaWarmup = options.emaWarmup ?? true;
  const labelLrScale = options.labelLearningRateScale ?? 10;
  const labelInitStd = options.labelInitStd ?? 1;
  if (!(labelInitStd >= 0))
    throw new RangeError(`labelInitStd: expected a non-negative number, got ${labelInitStd}`);
  if (!(labelLrScale > 0))
    throw new RangeError(`labelLearningRateScale: expected a positive number, got ${labelLrScale}`);
  if (!(emaDecay >= 0 && emaDecay < 1))
    throw new RangeError(`emaDecay: expected a number in [0, 1), got ${emaDecay}`);
  if (!(dropout >= 0 && dropout < 1))
    throw new RangeError(`labelDropout: expected a number in [0, 1), got ${dropout}`);
  const timeShift = options.timeShift ?? 0;
  if (!(timeShift >= 0 && timeShift <= 1))
    throw new RangeError(`timeShift: expected a number in [0, 1], got ${timeShift}`);
  const dataNoise = options.dataNoise ?? 0;
  if (!(dataNoise >= 0 && dataNoise <= 1))
    throw new RangeError(`dataNoise: expected a number in [0, 1], got ${dataNoise}`);
  checkKeys('sizes', options.sizes, Object.keys(DEMO_DIT1D_SIZES));
  const sizes = { ...DEMO_DIT1D_SIZES, ...options.sizes };
  for (const [key, value] of Object.entries(sizes)) positiveInteger(`sizes.${key}`, value);
  if (sizes.hiddenSize % sizes.numHeads !== 0) {
    throw new RangeError(
      `numHeads: expected a divisor of hiddenSize ${sizes.hiddenSize}, got ${sizes.numHeads}`,
    );
  }
  const seed = options.seed ?? 0;
  const workers = workerCount(options.workers, batchSize);
  if (typeof options.tokenizer !== 'string')
    throw new TypeError(`tokenizer: expected a .pth path, got ${typeof options.tokenizer}`);
  if (options.init !== undefined && typeof options.init !== 'string')
    throw new TypeError(`init: expected a generator .pth path, got ${typeof options.init}`);
  if (options.init !== undefined && options.resume)
    throw new RangeError('init: expected no resume (a resumed run continues its own weights), got both');
  const initial = options.init === undefined ? undefined : await readGeneratorWeights(options.init, '--init');
  const data = options.data ?? mnistDigits().train;
  // The tokenizer gives C and M: loaded first, so that every check comes before the output folder.
  const tokenizer = await SetTokenizer.load(options.tokenizer, { parts: 'encoder', maxBatch: 64 });
  const config: DiT1DNetConfig = {
    codebookSize: tokenizer.codebookSize,
    setSize: tokenizer.setSize,
    numClasses: 10,
    ...sizes,
  };
  const C = config.codebookSize;
  const M = config.setSize;
  const args = {
    ...config,
    tokenizer: options.tokenizer,
    ...(options.init === undefined ? {} : { init: options.init }),
    steps,
    batchSize,
    learningRate: peakLr,
    emaDecay,
    emaWarmup,
    labelLearningRateScale: labelLrScale,
    labelInitStd,
    labelDropout: dropout,
    // recorded only when used, so that runs from before the option resume unchanged
    ...(dataNoise > 0 ? { dataNoise } : {}),
    ...(timeShift > 0 ? { timeShift } : {}),
    seed,
    workers,
  };
  let files: RunFiles;
  let resumed: Awaited<ReturnType<typeof readTrainingState>> | undefined;
  let counts: Int32Array;
  let initShapes: ShapeEntry[] = [];
  try {
    if (initial !== undefined) initShapes = checkInitSizes(options.init!, initial, config);
    files = await prepareOutput(options.out, KIND, options.resume ?? false);
    resumed = options.resume ? await readTrainingState(files.state, KIND) : undefined;
    if (resumed !== undefined) checkResumedArgs(files.state, resumed.args, args);
    counts = await encodeCounts(tokenizer, data);
  } finally {
    await tokenizer.release();
  }

  await initBackend();
  const shapes = dit1dShapes(config);
  const params = initParams(shapes, ditInit(labelInitStd), seed);
  if (initial !== undefined) {
    // a deeper run: only the file's parameters are loaded; the extra blocks stay fresh (identity)
    const loaded = new Map(initShapes.map(({ name }) => [name, params.get(name)!]));
    restoreVariables(loaded, initial.weights, initial.group, (v, d) => v.assign(tf.tensor(d, v.shape)));
  }
  const optimizer = new AdamW(params);
  const ema = new Ema(params, emaDecay, emaWarmup);
  const startStep = resumed === undefined ? 0 : resumeInto(resumed, files.state, params, optimizer, ema);
  const order = batchOrder(data.count, batchSize, seed);
  // What the released files' `args` record, in the reference's names (`num_heads` is read by DiT1D.load).
  const namespace = new Namespace({
    model: 'DiT1D',
    codebook_size: C,
    num_tokens: M,
    hidden_size: config.hiddenSize,
    depth: config.depth,
    num_heads: config.numHeads,
    num_classes: config.numClasses,
    class_dropout_prob: dropout,
    lr: peakLr,
    global_batch_size: batchSize,
    global_seed: seed,
    ema_decay: emaDecay,
  });

  const save = async () => {
    await writeTreeAtomic(files.state, trainingStateTree(params, optimizer, { kind: KIND }, args, ema));
    await writeTreeAtomic(files.model, {
      model: stateDictOf(params),
      ema: stateDictOf(ema.shadow),
      args: namespace,
    });
    await writeJsonAtomic(files.config, { format: 'tokenset-dit1d', trainedSteps: optimizer.step, ...args });
    return files.state;
  };

  const step = async (s: number) => {
    const indices = order(s);
    const x0 = new Int32Array(batchSize * C);
    const labels = new Int32Array(batchSize);
    const u = uniformStream(derivedSeed(seed, 'labels', s));
    indices.forEach((index, i) => {
      x0.set(counts.subarray(index * C, (index + 1) * C), i * C);
      labels[i] = u() < dropout ? config.numClasses : data.labels[index];
    });
    const example = trainingExample(x0, {
      setSize: M,
      batch: batchSize,
      seed: derivedSeed(seed, 'fsdd', s),
      replaceNoise:
        dataNoise > 0 ? digitNoise(counts, C, dataNoise, derivedSeed(seed, 'noise', s)) : undefined,
    });
    if (timeShift > 0) {
      const v = uniformStream(derivedSeed(seed, 'time', s));
      for (let i = 0; i < batchSize; i++) example.t[i] = Math.min(1, example.t[i] + v() * timeShift);
    }
    const shards = batchShards(batchSize, pool.workers, dit1dShardRows(C)).map(([a, b]) => ({
      rows: b - a,
      ztq: example.ztq.slice(a * C, b * C),
      t: example.t.slice(a, b),
      labels: labels.slice(a, b),
      x0: x0.slice(a * C, b * C),
    }));
    const { value, grads } = await pool.gradients(params, shards);
    optimizer.apply(grads, learningRate(s, steps, peakLr), {
      'y_embedder.embedding_table.weight': labelLrScale,
    });
    ema.update(optimizer.step);
    tf.dispose(Object.values(grads));
    return { loss: value };
  };

  const pool = DataParallel.start({ kind: 'dit1d', config }, shapes, workers);
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
    tf.dispose([...params.values(), ...ema.shadow.values()]);
  }
  return { generatorPath: files.model, steps: done };
}

/**
 * The rows one thread takes of a DiT1D batch at a time. Its attention runs over the C codebook
 * entries, so a row's activations grow as C²: at C = 512 tfjs-wasm's heap held 16 rows and
 * overflowed at 32 ("memory access out of bounds"). Larger shards are cut into rounds.
 */
export function dit1dShardRows(codebookSize: number): number {
  return Math.max(1, Math.floor(16 * (512 / codebookSize) ** 2));
}

/**
 * `tokenset train-tokenizer`, `tokenset train` and `tokenset train-classifier`: the training runs
 * of `@tokenset/train` (TensorFlow.js, WebAssembly) with a progress bar, Ctrl-C that stops after
 * the current step (the last checkpoint stays intact) and `--resume`.
 */

import type { TrainDiT1DOptions, TrainProgress, TrainTokenizerOptions } from '@tokenset/train';
import { intFlag, numberFlag, requiredFlag, stringFlag } from '../args.js';
import type { CliIo, Command, OptionSpecs, OptionValues } from '../command.js';
import { UsageError } from '../errors.js';
import { ProgressBar } from '../progress.js';

/** Flags every training command has. */
const COMMON: OptionSpecs = {
  out: {
    type: 'string',
    short: 'o',
    valueName: 'dir',
    description: 'output folder (created; must not hold a run unless --resume)',
  },
  steps: { type: 'string', valueName: 'n', description: 'training steps' },
  'batch-size': { type: 'string', valueName: 'n', description: 'examples per step' },
  lr: { type: 'string', valueName: 'x', description: 'peak learning rate (warm-up, then cosine to a tenth)' },
  seed: { type: 'string', valueName: 'n', description: 'seed of initialisation and data order (default 0)' },
  resume: {
    type: 'boolean',
    description:
      'continue the run in --out from its last checkpoint, with the same settings (--steps may grow)',
  },
  'checkpoint-minutes': {
    type: 'string',
    valueName: 'm',
    description: 'minutes between checkpoints (default 3)',
  },
};

/** `--sizes` and `--workers` of the two model-training commands. */
const SIZES: OptionSpecs = {
  sizes: {
    type: 'string',
    valueName: 'json',
    description: 'model sizes as JSON, e.g. \'{"width":64,"heads":4}\' (default: the demo models\')',
  },
  workers: {
    type: 'string',
    valueName: 'n',
    description: 'threads sharing each batch (default: one per core); weights depend on seed and workers',
  },
};

/** `--workers`, checked against the batch size by the run itself. */
function workersFlag(values: OptionValues): number | undefined {
  return values.workers === undefined ? undefined : intFlag(values, 'workers', 1, 1, 4096);
}

/** `--sizes`: a JSON object of model sizes. */
function sizesFlag(values: OptionValues): Record<string, unknown> | undefined {
  const text = values.sizes;
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch {
    throw new UsageError(`--sizes: expected a JSON object, got ${JSON.stringify(text)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--sizes: expected a JSON object, got ${JSON.stringify(text)}`);
  }
  return parsed as Record<string, unknown>;
}

/** The settings every training command shares, checked before any work. */
function commonSettings(name: string, positionals: string[], values: OptionValues) {
  if (positionals.length > 0)
    throw new UsageError(`${name}: unexpected argument ${JSON.stringify(positionals[0])}`);
  const minutes = numberFlag(values, 'checkpoint-minutes', 0, 24 * 60);
  return {
    out: requiredFlag(values, 'out', 'an output folder'),
    steps: values.steps === undefined ? undefined : intFlag(values, 'steps', 1, 1, 10_000_000),
    batchSize: values['batch-size'] === undefined ? undefined : intFlag(values, 'batch-size', 1, 1, 4096),
    learningRate: numberFlag(values, 'lr', 0, 1),
    seed: intFlag(values, 'seed', 0, 0, 2 ** 32 - 1),
    resume: values.resume === true,
    checkpointSeconds: minutes === undefined ? undefined : minutes * 60,
  };
}

/**
 * Runs `train` with a progress bar on stderr and Ctrl-C handling: the first SIGINT stops the run
 * after the current step without touching the last checkpoint; a second one exits at once.
 */
async function withProgress<T>(
  io: CliIo,
  label: string,
  train: (signal: AbortSignal, onProgress: (e: TrainProgress) => void) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    io.stderr.write('\nstopping after this step (the last checkpoint is kept; continue with --resume)\n');
  };
  process.on('SIGINT', onSigint);
  let bar: ProgressBar | undefined;
  try {
    return await train(controller.signal, (e) => {
      if (e.status === 'start') {
        bar = new ProgressBar(io.stderr, { total: e.totalSteps, label, unit: 'steps', initial: e.step });
      } else if (e.status === 'step') {
        const loss = e.metrics.loss;
        bar?.tick(1, `loss ${loss.toFixed(4)}`);
      } else if (e.status === 'done') {
        bar?.finish();
      } else if (e.status === 'aborted') {
        bar?.finish();
        io.stderr.write(`stopped at step ${e.step}; resume with --resume\n`);
      }
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** `tokenset train-tokenizer`. */
export const trainTokenizerCommand: Command = {
  name: 'train-tokenizer',
  summary: 'train a small set tokenizer on MNIST digits (TensorFlow.js, no Python)',
  usage: 'train-tokenizer --out <dir> [options]',
  description: [
    'Trains the reference set tokenizer at a small size (32×32 digits, patch 4, 32 tokens, codebook 128) on the',
    "9,000 MNIST training digits of the 'mnist' package (1,000 are held out). Writes <dir>/tokenizer.pth (a plain",
    'state dict, as set_tokenizer_*.pth), tokenizer.json (heads and sizes), tokenizer.train.pth (for --resume) and',
    'the loss curve tokenizer.log.jsonl. Ctrl-C stops after the current step and keeps the last checkpoint.',
  ].join('\n'),
  options: {
    loss: {
      type: 'string',
      valueName: 'name',
      description: 'reconstruction loss: mse (default), clamped-mse (no penalty beyond black and white), l1',
    },
    init: {
      type: 'string',
      valueName: 'tokenizer.pth',
      description:
        "start from this tokenizer's weights (fine-tuning; sizes must match, or a tokenizer of fewer layers: its blocks come first, the extra blocks start as identity maps; not with --resume)",
    },
    shift: {
      type: 'string',
      valueName: 'pixels',
      description: 'augmentation: move each training image by up to this many pixels each way (default 0)',
    },
    perceptual: {
      type: 'string',
      valueName: 'classifier.pth',
      description:
        'add a perceptual loss (LPIPS-like) computed by this digit classifier (train-classifier; use one of its own seed, not the measuring one)',
    },
    'perceptual-weight': {
      type: 'string',
      valueName: 'x',
      description: 'factor on the perceptual loss (default 1)',
    },
    'decoder-only': {
      type: 'boolean',
      description:
        "train the decoder alone: the encoder and codebook keep --init's weights, so token sets (and a generator trained on them) stay valid",
    },
    ...COMMON,
    ...SIZES,
  },
  examples: [
    'tokenset train-tokenizer --out runs/tokenizer',
    'tokenset train-tokenizer --out runs/tokenizer --resume',
    'tokenset train-tokenizer --init runs/tokenizer/tokenizer.pth --loss clamped-mse --out runs/tokenizer2',
    'tokenset train-classifier --seed 1 --out runs/perceptual',
    'tokenset train-tokenizer --init runs/tokenizer/tokenizer.pth --decoder-only --perceptual runs/perceptual/classifier.pth --out runs/tokenizer3',
  ],
  async run(positionals, values, io) {
    const settings = commonSettings('train-tokenizer', positionals, values);
    const { trainTokenizer } = await import('@tokenset/train');
    const result = await withProgress(io, 'train-tokenizer', (signal, onProgress) =>
      trainTokenizer({
        ...settings,
        loss: stringFlag(values, 'loss') as TrainTokenizerOptions['loss'],
        init: stringFlag(values, 'init'),
        shift: intFlag(values, 'shift', 0, 0, 31),
        perceptual: stringFlag(values, 'perceptual'),
        perceptualWeight: numberFlag(values, 'perceptual-weight', 0, 1e6),
        decoderOnly: values['decoder-only'] === true,
        config: sizesFlag(values) as TrainTokenizerOptions['config'],
        workers: workersFlag(values),
        signal,
        onProgress,
      }),
    );
    io.stdout.write(`tokenizer: ${result.tokenizerPath} (${result.steps} steps; log ${result.logPath})\n`);
  },
};

/** `--label-dropout`: a share in [0, 1) (at 1 no example would carry its label). */
function labelDropoutFlag(values: OptionValues): number | undefined {
  const share = numberFlag(values, 'label-dropout', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  if (share !== undefined && !(share >= 0 && share < 1)) {
    throw new UsageError(`--label-dropout: expected a number in [0, 1), got ${share}`);
  }
  return share;
}

/** `tokenset train`: the DiT1D generator with FSDD. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train a DiT1D generator with Fixed-Sum Discrete Diffusion on a trained tokenizer',
  usage: 'train --tokenizer <tokenizer.pth> --out <dir> [options]',
  description: [
    'Tokenizes the MNIST training digits with the given tokenizer, then trains a class-conditional DiT1D as the',
    'reference train.py (FSDD forward process, cross-entropy over counts, 10% label dropout for guidance, EMA).',
    'Writes <dir>/generator.pth ({model, ema, args} as fsdd_*.pth), generator.json, generator.train.pth and the',
    'loss curve. Ctrl-C stops after the current step and keeps the last checkpoint.',
  ].join('\n'),
  options: {
    tokenizer: {
      type: 'string',
      valueName: 'tokenizer.pth',
      description: 'the trained tokenizer (tokenizer.json beside it)',
    },
    init: {
      type: 'string',
      valueName: 'generator.pth',
      description:
        "start from this generator's EMA weights (fine-tuning; sizes must match, or a shallower generator's: its blocks come first, the extra blocks start as identity maps; not with --resume)",
    },
    'label-dropout': {
      type: 'string',
      valueName: 'p',
      description:
        "share of examples trained with the null label, for classifier-free guidance (default 0.1, the reference's)",
    },
    'data-noise': {
      type: 'string',
      valueName: 'p',
      description:
        "share of examples noised towards another training digit's token set instead of a random set, so that the generator learns which tokens of a mixed state are the class's (default 0, the reference's)",
    },
    'time-shift': {
      type: 'string',
      valueName: 'd',
      description:
        "the model reads each example at a time up to d later than its state was noised at, so that it learns to denoise states noisier than their time says, as the sampler's are (default 0, the reference's)",
    },
    ...COMMON,
    ...SIZES,
  },
  examples: [
    'tokenset train --tokenizer runs/tokenizer/tokenizer.pth --out runs/generator',
    'tokenset train --tokenizer runs/tokenizer2/tokenizer.pth --init runs/generator/generator.pth --out runs/generator2',
    `tokenset train --tokenizer runs/tokenizer2/tokenizer.pth --init runs/generator2/generator.pth --sizes '{"depth":6}' --out runs/generator3`,
    'tokenset train --tokenizer runs/tokenizer2/tokenizer.pth --init runs/generator2/generator.pth --label-dropout 0.5 --out runs/generator4',
  ],
  async run(positionals, values, io) {
    const settings = commonSettings('train', positionals, values);
    const tokenizer = requiredFlag(values, 'tokenizer', 'a trained tokenizer .pth');
    const { trainDiT1D } = await import('@tokenset/train');
    const result = await withProgress(io, 'train', (signal, onProgress) =>
      trainDiT1D({
        ...settings,
        tokenizer,
        init: stringFlag(values, 'init'),
        labelDropout: labelDropoutFlag(values),
        dataNoise: numberFlag(values, 'data-noise', 0, 1),
        timeShift: numberFlag(values, 'time-shift', 0, 1),
        sizes: sizesFlag(values) as TrainDiT1DOptions['sizes'],
        workers: workersFlag(values),
        signal,
        onProgress,
      }),
    );
    io.stdout.write(`generator: ${result.generatorPath} (${result.steps} steps)\n`);
  },
};

/** `tokenset train-classifier`: the digit classifier that measures the demo models. */
export const trainClassifierCommand: Command = {
  name: 'train-classifier',
  summary: 'train the MNIST digit classifier used to measure accuracy and MNIST-FID',
  usage: 'train-classifier --out <dir> [options]',
  description:
    'Trains a small convolutional digit classifier on the MNIST training digits; writes <dir>/classifier.pth.',
  options: COMMON,
  examples: ['tokenset train-classifier --out runs/classifier'],
  async run(positionals, values, io) {
    const settings = commonSettings('train-classifier', positionals, values);
    const { trainClassifier } = await import('@tokenset/train');
    const result = await withProgress(io, 'train-classifier', (signal, onProgress) =>
      trainClassifier({ ...settings, signal, onProgress }),
    );
    io.stdout.write(`classifier: ${result.classifierPath} (${result.steps} steps)\n`);
  },
};

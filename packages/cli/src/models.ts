/**
 * Loading the three models from the user's files, with the checks that turn a wrong file into one
 * clear line: the file exists, and a `.pth` holds the kind of model the flag asks for.
 * This is the only module of the CLI that knows the model packages' loaders.
 */

import { DiT1D } from '@tokenset/dit1d';
import { InceptionV3 } from '@tokenset/eval';
import { DEVICES, type Device, parseDevice, type SessionOptions } from '@tokenset/runtime';
import { readCheckpoint } from '@tokenset/tensor-io';
import { SetTokenizer } from '@tokenset/tokenizer';
import { intFlag, stringFlag } from './args.js';
import { type CheckpointKind, describeKind, detectCheckpointKind } from './checkpoint-kind.js';
import type { OptionSpecs, OptionValues } from './command.js';
import { CliError, errorLine, UsageError } from './errors.js';
import { checkInputFile } from './output-paths.js';

/** Where models run: the runtime's session options, with the device always chosen. */
export interface RuntimeChoice extends SessionOptions {
  device: Device;
}

/** `--device` and `--threads`, for a command's option table. */
export const RUNTIME_OPTIONS: OptionSpecs = {
  device: {
    type: 'string',
    valueName: DEVICES.join('|'),
    description:
      'where models run (default cpu, or $TOKENSET_DEVICE); cuda: see docs/cuda.md; auto: cuda if it starts, else cpu',
  },
  threads: {
    type: 'string',
    valueName: 'n',
    description: 'CPU threads per model (default: onnxruntime decides)',
  },
};

/** `--model` and `--tokenizer`: the two checkpoints every generating command needs. */
export const CHECKPOINT_OPTIONS: OptionSpecs = {
  model: {
    type: 'string',
    valueName: 'fsdd.pth',
    description: 'DiT1D generator checkpoint (.pth or .onnx)',
  },
  tokenizer: {
    type: 'string',
    valueName: 'tokenizer.pth',
    description: 'set tokenizer checkpoint (.pth)',
  },
};

/** Heads of checkpoints whose sizes are not the released ones (weights do not tell the head count). */
export const HEADS_OPTIONS: OptionSpecs = {
  'model-heads': {
    type: 'string',
    valueName: 'n',
    description: 'DiT1D attention heads (default hidden/64, as released)',
  },
  'tokenizer-heads': {
    type: 'string',
    valueName: 'n',
    description: 'tokenizer attention heads (default width/64, as released)',
  },
};

/** An optional head count flag. */
export function headsFlag(values: OptionValues, name: string): number | undefined {
  return stringFlag(values, name) === undefined ? undefined : intFlag(values, name, 0, 1, 1024);
}

/** Parses `--device` / `--threads` (falling back to $TOKENSET_DEVICE). */
export function runtimeChoice(values: OptionValues, env: Record<string, string | undefined>): RuntimeChoice {
  const text = stringFlag(values, 'device') ?? env.TOKENSET_DEVICE ?? 'cpu';
  let device: Device;
  try {
    device = parseDevice(text);
  } catch (error) {
    throw new UsageError(`--device: ${errorLine(error).replace(/^device: /, '')}`);
  }
  const threads =
    stringFlag(values, 'threads') === undefined ? undefined : intFlag(values, 'threads', 0, 1, 1024);
  return { device, threads };
}

/** Throws a CliError unless `path` is a readable file. */
export const requireFile = checkInputFile;

/** What a generator checkpoint's shapes tell before it loads. */
export interface GeneratorSizes {
  /** M, the set size. */
  setSize: number;
  /** Number of classes (without the null label). */
  numClasses: number;
}

/**
 * The set size and number of classes of a DiT1D `.pth`, read from two tensors' shapes without
 * loading the weights (undefined for `.onnx` files or unknown layouts): lets the command check
 * `--top-k` and `--classes` before any model loads.
 */
export async function generatorSizes(path: string, flag = '--model'): Promise<GeneratorSizes | undefined> {
  if (!/\.pth?$/i.test(path)) return undefined;
  let checkpoint: Awaited<ReturnType<typeof readCheckpoint>>;
  try {
    checkpoint = await readCheckpoint(path);
  } catch (error) {
    throw new CliError(`${flag}: cannot read checkpoint ${path}: ${errorLine(error)}`);
  }
  try {
    const tensors = checkpoint.tensors();
    for (const prefix of ['ema.', '', 'model.', 'state_dict.', 'module.']) {
      const out = tensors.get(`${prefix}final_layer.linear.weight`);
      const labels = tensors.get(`${prefix}y_embedder.embedding_table.weight`);
      if (out && labels) return { setSize: out.shape[0] - 1, numClasses: labels.shape[0] - 1 };
    }
    return undefined;
  } finally {
    await checkpoint.close();
  }
}

/** The kind of model a `.pth` file holds (undefined for other files or unknown contents). */
export async function checkpointKind(path: string, flag: string): Promise<CheckpointKind | undefined> {
  if (!path.toLowerCase().endsWith('.pth') && !path.toLowerCase().endsWith('.pt')) return undefined;
  let checkpoint: Awaited<ReturnType<typeof readCheckpoint>>;
  try {
    checkpoint = await readCheckpoint(path);
  } catch (error) {
    throw new CliError(`${flag}: cannot read checkpoint ${path}: ${errorLine(error)}`);
  }
  try {
    return detectCheckpointKind(checkpoint.tensors().keys());
  } finally {
    await checkpoint.close();
  }
}

/** Checks that `path` exists and, for a checkpoint, holds a model of `kind`. */
export async function expectModelFile(path: string, kind: CheckpointKind, flag: string): Promise<void> {
  await requireFile(path, flag);
  const found = await checkpointKind(path, flag);
  if (path.toLowerCase().match(/\.pth?$/) && found !== kind) {
    const got = found ? `${describeKind(found)} checkpoint` : 'a checkpoint of no known model';
    throw new CliError(`${flag}: expected ${describeKind(kind)} checkpoint, got ${got}: ${path}`);
  }
}

async function load<T>(
  path: string,
  kind: CheckpointKind,
  flag: string,
  loader: () => Promise<T>,
): Promise<T> {
  await expectModelFile(path, kind, flag);
  try {
    return await loader();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${flag}: cannot load ${describeKind(kind)} from ${path}: ${errorLine(error)}`);
  }
}

/** Loads a DiT1D generator (`.pth` release checkpoint or converted `.onnx`). */
export function loadGenerator(
  path: string,
  runtime: RuntimeChoice,
  flag = '--model',
  numHeads?: number,
): Promise<DiT1D> {
  return load(path, 'dit1d', flag, () => DiT1D.load(path, { ...runtime, numHeads }));
}

/** Loads the set tokenizer (the `.pth` release checkpoint, read directly). */
export function loadTokenizer(
  path: string,
  runtime: RuntimeChoice,
  flag = '--tokenizer',
  numHeads?: number,
): Promise<SetTokenizer> {
  return load(path, 'tokenizer', flag, () => SetTokenizer.load(path, { ...runtime, numHeads }));
}

/** Loads torch-fidelity's InceptionV3 (`.pth` weights or converted `.onnx`). */
export function loadInception(
  path: string,
  runtime: RuntimeChoice,
  flag = '--inception',
): Promise<InceptionV3> {
  return load(path, 'inception', flag, () => InceptionV3.load(path, runtime));
}

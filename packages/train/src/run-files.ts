/** The files of a training run's output folder, checked before any work. */

import { randomBytes } from 'node:crypto';
import { access, appendFile, constants, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { TrainError } from './errors.js';

/** Paths of one run's files. */
export interface RunFiles {
  /** The trained model as the released files' layout. */
  model: string;
  /** The sizes weights cannot tell, as JSON beside the model. */
  config: string;
  /** Everything a resumed run needs (model, optimizer, progress). */
  state: string;
  /** One JSON line per ten steps: the loss curve. */
  log: string;
}

const NAMES: Record<string, string> = {
  tokenizer: 'tokenizer',
  dit1d: 'generator',
  classifier: 'classifier',
};

/**
 * Creates (or checks) the output folder and names the run's files; fails with one clear line when
 * the folder is a file or not writable, when `resume` finds no checkpoint, or when a new run would
 * overwrite an earlier run's checkpoint.
 */
export async function prepareOutput(out: string, kind: string, resume: boolean): Promise<RunFiles> {
  if (typeof out !== 'string' || out.length === 0)
    throw new TypeError(`out: expected a folder path, got ${String(out)}`);
  const info = await stat(out).catch(() => undefined);
  if (info !== undefined && !info.isDirectory())
    throw new TrainError(`out: expected a folder, got the file ${out}`);
  try {
    await mkdir(out, { recursive: true });
    await access(out, constants.W_OK);
  } catch (error) {
    throw new TrainError(
      `out: expected a writable folder, got ${out} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const base = NAMES[kind];
  const files: RunFiles = {
    model: join(out, `${base}.pth`),
    config: join(out, `${base}.json`),
    state: join(out, `${base}.train.pth`),
    log: join(out, `${base}.log.jsonl`),
  };
  const hasState = await stat(files.state).then(
    () => true,
    () => false,
  );
  if (resume && !hasState) throw new TrainError(`--resume: expected a checkpoint ${files.state}, got none`);
  if (!resume && hasState) {
    throw new TrainError(
      `out: expected a folder without a ${kind} run, got ${files.state} (pass --resume to continue it, or choose another folder)`,
    );
  }
  if (!resume) await rm(files.log, { force: true });
  return files;
}

/** Writes JSON atomically (temporary file, then rename). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, path);
}

/** Appends one event to the run's log (JSON lines). */
export async function appendLog(path: string, event: object): Promise<void> {
  await appendFile(path, `${JSON.stringify(event)}\n`);
}

/** Linear warm-up over the first 5% of steps (at least one), then cosine decay to a tenth of the peak. */
export function learningRate(step: number, total: number, peak: number): number {
  const warm = Math.max(1, Math.round(total * 0.05));
  if (step < warm) return (peak * (step + 1)) / warm;
  const progress = (step - warm) / Math.max(1, total - warm);
  return peak * (0.1 + 0.45 * (1 + Math.cos(Math.PI * progress)));
}

/** `value` if it is a positive integer, else a RangeError naming the setting. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name}: expected a positive integer, got ${value}`);
  return value;
}

/**
 * Data-parallel workers of a run: `requested` (checked), or by default one per core, at most one
 * per example of a batch.
 */
export function workerCount(requested: number | undefined, batchSize: number): number {
  if (requested === undefined) return Math.min(availableParallelism(), batchSize);
  positiveInteger('workers', requested);
  if (requested > batchSize)
    throw new RangeError(`workers: expected at most the batch size ${batchSize}, got ${requested}`);
  return requested;
}

/** Throws a RangeError naming the first key of `value` that is not one of `known`. */
export function checkKeys(name: string, value: object | undefined, known: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`${name}: expected an object, got ${typeof value}`);
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw new RangeError(`${name}: expected keys among ${known.join(', ')}, got '${key}'`);
  }
}

import type { DigitSet } from '@tokenset/demo-models';
import { TrainError } from './errors.js';
import { appendLog } from './run-files.js';

/**
 * The training loop shared by every model here: steps until the last one, a checkpoint every few
 * minutes and at the end, progress events, and a clean stop on an `AbortSignal` (the last written
 * checkpoint stays as it was; the loop saves once more only when it completes).
 */

/** Progress of a training run, one event per `status`. */
export type TrainProgress =
  | { status: 'start'; kind: string; step: number; totalSteps: number }
  | {
      status: 'step';
      kind: string;
      step: number;
      totalSteps: number;
      /** The step's loss and any other figures the model reports (codebook usage, accuracy...). */
      metrics: Record<string, number>;
      /** Training examples per second over the steps of this run so far. */
      examplesPerSecond: number;
      /** Seconds left at the current speed. */
      etaSeconds: number;
    }
  | { status: 'checkpoint'; kind: string; step: number; path: string }
  | { status: 'aborted'; kind: string; step: number }
  | { status: 'done'; kind: string; step: number; seconds: number };

/** What {@link runLoop} needs from a model's training code. */
export interface LoopTarget {
  kind: string;
  /** Examples per step (for the speed figure). */
  batchSize: number;
  /** Runs step `step` (0-based) and returns its figures. */
  step(step: number): Promise<Record<string, number>> | Record<string, number>;
  /** Writes the checkpoint reflecting `stepsDone` completed steps; returns its path. */
  save(stepsDone: number): Promise<string>;
}

/** Settings of {@link runLoop}. */
export interface LoopOptions {
  /** First step to run (the steps already done by a resumed run). */
  startStep: number;
  /** Total steps of the run. */
  totalSteps: number;
  /** Seconds between checkpoints (default 180). */
  checkpointSeconds?: number;
  /** Stops the run after the current step, without writing a checkpoint. */
  signal?: AbortSignal;
  onProgress?: (event: TrainProgress) => void;
}

/** What every training run passes on to {@link runLoop}: its own settings and the log file. */
export interface RunSettings {
  /** Seconds between checkpoints (default 180). */
  checkpointSeconds?: number;
  /** Stops after the current step; the last checkpoint stays intact. */
  signal?: AbortSignal;
  onProgress?: (event: TrainProgress) => void;
}

/** Options every training run takes (each run adds its own and documents its defaults). */
export interface TrainRunOptions extends RunSettings {
  /** Output folder (created if missing). */
  out: string;
  /** Training steps. */
  steps?: number;
  /** Examples per step (default 32). */
  batchSize?: number;
  /** Peak learning rate (linear warm-up, then cosine to a tenth). */
  learningRate?: number;
  /** Seed of initialisation, batch order and every random draw (default 0). */
  seed?: number;
  /** Continue from the run's `*.train.pth` in `out`. */
  resume?: boolean;
  /** Training images (default: the 9,000 MNIST training digits). */
  data?: DigitSet;
}

/** Options of the runs that share each batch among threads (the tokenizer and DiT1D). */
export interface DataParallelOptions {
  /**
   * Threads that share each batch (data parallel; default: one per core, at most the batch size).
   * The weights a run reaches depend on the seed and on this number (float32 sums in another
   * order), never on timing.
   */
  workers?: number;
}

/**
 * {@link runLoop} with the run's log: every tenth step (and the last) is appended to `logPath` as a
 * JSON line, and every event goes on to the caller's `onProgress`.
 */
export function runLogged(
  target: LoopTarget,
  steps: { startStep: number; totalSteps: number },
  logPath: string,
  settings: RunSettings,
): Promise<number> {
  return runLoop(target, {
    ...steps,
    checkpointSeconds: settings.checkpointSeconds,
    signal: settings.signal,
    onProgress: (e) => {
      if (e.status === 'step' && (e.step % 10 === 0 || e.step === e.totalSteps)) void appendLog(logPath, e);
      settings.onProgress?.(e);
    },
  });
}

/** Runs the steps; resolves with the number of steps done (less than the total when aborted). */
export async function runLoop(target: LoopTarget, options: LoopOptions): Promise<number> {
  const { kind } = target;
  const emit = options.onProgress ?? (() => {});
  const every = (options.checkpointSeconds ?? 180) * 1000;
  const started = performance.now();
  let lastSave = started;
  /** The step of the last checkpoint on disk (a resumed run's own), undefined before any. */
  let savedStep = options.startStep > 0 ? options.startStep : undefined;
  emit({ status: 'start', kind, step: options.startStep, totalSteps: options.totalSteps });
  let step = options.startStep;
  while (step < options.totalSteps) {
    if (options.signal?.aborted) {
      emit({ status: 'aborted', kind, step });
      return step;
    }
    const metrics = await target.step(step);
    step++;
    // A diverged run must not overwrite its last good checkpoint with NaN weights.
    if (!Number.isFinite(metrics.loss)) {
      const kept =
        savedStep === undefined
          ? 'no checkpoint was written'
          : `the last checkpoint, of step ${savedStep}, is kept`;
      throw new TrainError(
        `${kind}: the loss became ${metrics.loss} at step ${step}; stopped without saving (${kept}); try a lower learning rate`,
      );
    }
    const elapsed = (performance.now() - started) / 1000;
    const done = step - options.startStep;
    const perStep = elapsed / done;
    emit({
      status: 'step',
      kind,
      step,
      totalSteps: options.totalSteps,
      metrics,
      examplesPerSecond: (done * target.batchSize) / elapsed,
      etaSeconds: perStep * (options.totalSteps - step),
    });
    if (performance.now() - lastSave >= every && step < options.totalSteps) {
      emit({ status: 'checkpoint', kind, step, path: await target.save(step) });
      lastSave = performance.now();
      savedStep = step;
    }
  }
  emit({ status: 'checkpoint', kind, step, path: await target.save(step) });
  emit({ status: 'done', kind, step, seconds: (performance.now() - started) / 1000 });
  return step;
}

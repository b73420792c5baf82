// Rows in parallel: the calling thread runs the step phases (step-core.ts) for the first range of
// rows and worker threads run the other ranges, on state and probabilities in shared memory. Every
// row draws from its own seeded stream, so the results are identical to one thread's, byte for byte.
//
// The calling thread works instead of waiting: with n threads only n − 1 workers start, and its
// own rows read the model's output where it lies (only the workers' rows are copied into shared
// memory).
//
// The worker's code is row-worker.js beside this module in the built package; when the package
// runs from its TypeScript sources (tests, benchmarks: the `source` export condition), the worker
// loads row-worker.ts through tsx with the same condition.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FsddError } from './errors.js';
import type { Uniform } from './random.js';
import {
  drawNext,
  drawX0AndBridge,
  initialNoise,
  type StepCore,
  type StepRows,
  type StepSettings,
  type StepState,
  stepCore,
} from './step-core.js';

/** What a worker is started with. */
export interface RowWorkerData {
  settings: StepSettings;
  state: StepState;
  /** The step's probabilities `[B·C·K]`, shared. */
  probs: Float32Array;
  from: number;
  to: number;
  /** The seeds of rows `from .. to-1`. */
  seeds: string[];
}

/** A task for every worker: the initial noise, or a phase of a step. */
export type RowTask =
  | { kind: 'noise' }
  | { kind: 'x0'; step: number; t: number; tNext: number }
  | { kind: 'next'; step: number; t: number };

type Reply = { ok: true; degenerate: boolean } | { ok: false; name: string; message: string };

/** The default number of threads: every core. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** The worker's entry: the built module, or (from the sources) a bootstrap that loads it through tsx. */
function workerEntry(): { entry: URL | string; eval: boolean; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts')) {
    return { entry: new URL('./row-worker.js', import.meta.url), eval: false, execArgv: [] };
  }
  // tsx's require hook compiles the worker and its imports (module hooks do not reach workers here)
  const require = createRequire(import.meta.url);
  const tsx = require.resolve('tsx/cjs/api');
  const worker = fileURLToPath(new URL('./row-worker.ts', import.meta.url));
  const bootstrap = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(worker)});`;
  return { entry: bootstrap, eval: true, execArgv: ['--conditions=source'] };
}

/** Row `w·B/n` (rounded down): where range w of n starts. */
function rangeStart(w: number, B: number, threads: number): number {
  return Math.floor((w * B) / threads);
}

/** The rows of one `sample` call on the calling thread and worker threads. */
export class RowThreads implements StepRows {
  private constructor(
    /** The calling thread's rows (the first range). */
    private readonly local: StepCore,
    /** The shared probabilities the workers read. */
    private readonly shared: Float32Array,
    private readonly workers: Worker[],
    private readonly replies: ((reply: Reply) => void)[],
  ) {}

  /**
   * Splits the rows into `threads` ranges as evenly as possible, in order: the first for the
   * calling thread (with `streams`, the streams of every row), one worker for each of the others.
   */
  static start(
    threads: number,
    settings: StepSettings,
    state: StepState,
    probs: Float32Array,
    seeds: readonly string[],
    streams: readonly Uniform[],
  ): RowThreads {
    const { entry, eval: isCode, execArgv } = workerEntry();
    const B = settings.B;
    const localTo = rangeStart(1, B, threads);
    const local = stepCore(settings, state, 0, localTo, streams.slice(0, localTo));
    const workers: Worker[] = [];
    const replies: ((reply: Reply) => void)[] = [];
    for (let w = 1; w < threads; w++) {
      const from = rangeStart(w, B, threads);
      const to = rangeStart(w + 1, B, threads);
      const data: RowWorkerData = { settings, state, probs, from, to, seeds: seeds.slice(from, to) };
      const worker = new Worker(entry, { workerData: data, execArgv, eval: isCode });
      const index = workers.length;
      worker.on('message', (reply: Reply) => replies[index]?.(reply));
      worker.on('error', (error) => replies[index]?.({ ok: false, name: 'Error', message: error.message }));
      workers.push(worker);
    }
    return new RowThreads(local, probs, workers, replies);
  }

  /** The initial set noise of every row. */
  async noise(): Promise<void> {
    await this.run({ kind: 'noise' }, () => {
      initialNoise(this.local);
      return false;
    });
  }

  /**
   * Phase A of step i on every row, from the model's `probs` (the shared buffer itself, or any
   * array: then the workers' rows are copied into the shared buffer first). Returns whether a row
   * is degenerate.
   */
  async x0AndBridge(probs: Float32Array, i: number, t: number, tNext: number): Promise<boolean> {
    const { shared, local } = this;
    if (probs.buffer !== shared.buffer) {
      const from = local.to * local.C * local.K;
      shared.set(probs.subarray(from), from);
    }
    return this.run({ kind: 'x0', step: i, t, tNext }, () => drawX0AndBridge(local, probs, i, t, tNext));
  }

  /** Phase B of step i on every row. */
  async next(i: number, t: number): Promise<void> {
    await this.run({ kind: 'next', step: i, t }, () => {
      drawNext(this.local, i, t);
      return false;
    });
  }

  /**
   * Sends a task to every worker, runs the calling thread's share meanwhile, then waits for every
   * worker (also when the own share throws: no worker may still write when the caller goes on).
   * Returns whether any part reported a degenerate row.
   */
  private async run(task: RowTask, own: () => boolean): Promise<boolean> {
    const pending = this.workers.map(
      (worker, w) =>
        new Promise<Reply>((resolve) => {
          this.replies[w] = resolve;
          worker.postMessage(task);
        }),
    );
    let degenerate = false;
    let failed = false;
    let failure: unknown;
    try {
      degenerate = own();
    } catch (error) {
      failed = true;
      failure = error;
    }
    const results = await Promise.all(pending);
    if (failed) throw failure;
    for (const reply of results) {
      if (!reply.ok) {
        throw reply.name === 'FsddError'
          ? new FsddError(reply.message)
          : new FsddError(`a sampler thread failed: ${reply.message}`);
      }
      if (reply.degenerate) degenerate = true;
    }
    return degenerate;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

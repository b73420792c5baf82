// Rows in parallel: the calling thread runs the step phases (step-core.ts) for the first range of
// rows and worker threads run the other ranges, on state and probabilities in shared memory. Every
// row draws from its own seeded stream, so the results are identical to one thread's, byte for byte.
//
// The calling thread works instead of waiting: with n threads only n − 1 workers take part, and
// its own rows read the model's output where it lies (only the workers' rows are copied into
// shared memory). Workers stay in a pool between calls, started and warm.
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

/** What a worker works on during one `sample` call. */
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

/** What the calling thread sends a worker: a call's setup, then its tasks. */
export type RowMessage = { kind: 'setup'; data: RowWorkerData } | RowTask;

type Reply = { ok: true; degenerate: boolean } | { ok: false; name: string; message: string };

/** A worker during one call: where its next reply goes, and why it failed, once it has. */
interface WorkerLink {
  worker: Worker;
  /** The call's listeners on the worker, removed when it goes back to the pool. */
  listeners: [event: 'message' | 'error' | 'exit', listener: Parameters<Worker['on']>[1]][];
  resolve?: (reply: Reply) => void;
  /** Set when the worker failed or stopped: it takes no more tasks and leaves the pool. */
  failure?: string;
}

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

/**
 * Workers kept between calls. A new worker compiles the sampler's code afresh (tens of
 * milliseconds to start, then slow steps until its JIT has warmed up); a pooled one is ready and
 * warm. Idle workers are unref'd, so they never keep the process alive.
 */
const idleWorkers: Worker[] = [];

/** An idle worker from the pool, or a new one; ref'd while in use. */
function takeWorker(): Worker {
  let worker = idleWorkers.pop();
  while (worker !== undefined && worker.threadId === -1) worker = idleWorkers.pop(); // stopped while idle
  if (worker === undefined) {
    const { entry, eval: isCode, execArgv } = workerEntry();
    worker = new Worker(entry, { execArgv, eval: isCode });
    // an idle worker's failure must not throw in this thread (an 'error' event without listener
    // would); takeWorker skips a stopped worker
    worker.on('error', () => {});
  }
  worker.ref();
  return worker;
}

/** Returns a call's worker to the pool (at most one per core is kept), without the call's listeners. */
function returnWorker(link: WorkerLink): void {
  const { worker } = link;
  for (const [event, listener] of link.listeners) worker.off(event, listener);
  if (idleWorkers.length >= availableParallelism()) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idleWorkers.push(worker);
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
    private readonly links: WorkerLink[],
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
    const B = settings.B;
    const localTo = rangeStart(1, B, threads);
    const local = stepCore(settings, state, 0, localTo, streams.slice(0, localTo));
    const links: WorkerLink[] = [];
    for (let w = 1; w < threads; w++) {
      const from = rangeStart(w, B, threads);
      const to = rangeStart(w + 1, B, threads);
      const data: RowWorkerData = { settings, state, probs, from, to, seeds: seeds.slice(from, to) };
      const link: WorkerLink = { worker: takeWorker(), listeners: [] };
      const answer = (reply: Reply) => {
        const resolve = link.resolve;
        link.resolve = undefined;
        resolve?.(reply);
      };
      const fail = (message: string) => {
        link.failure ??= message;
        answer({ ok: false, name: 'Error', message });
      };
      link.listeners.push(
        ['message', answer],
        ['error', (error: Error) => fail(error.message)],
        ['exit', (code: number) => fail(`the thread stopped (exit code ${code})`)],
      );
      for (const [event, listener] of link.listeners) link.worker.on(event, listener);
      link.worker.postMessage({ kind: 'setup', data } satisfies RowMessage);
      links.push(link);
    }
    return new RowThreads(local, probs, links);
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
    const pending = this.links.map(
      (link) =>
        new Promise<Reply>((resolve) => {
          if (link.failure !== undefined) {
            resolve({ ok: false, name: 'Error', message: link.failure });
            return;
          }
          link.resolve = resolve;
          link.worker.postMessage(task);
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

  /** Returns the workers to the pool (a failed one is stopped instead). */
  async close(): Promise<void> {
    await Promise.all(
      this.links.map(async (link) => {
        if (link.failure === undefined) {
          returnWorker(link);
          return;
        }
        link.worker.removeAllListeners();
        await link.worker.terminate();
      }),
    );
  }
}

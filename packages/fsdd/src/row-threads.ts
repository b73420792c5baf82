// Rows in parallel: worker threads that each run the step phases (step-core.ts) for a contiguous
// range of rows, on state and probabilities in shared memory. Every row draws from its own
// seeded stream, so the results are identical to one thread's, byte for byte.
//
// The worker's code is row-worker.js beside this module in the built package; when the package
// runs from its TypeScript sources (tests, benchmarks: the `source` export condition), the worker
// loads row-worker.ts through tsx with the same condition.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FsddError } from './errors.js';
import type { StepSettings, StepState } from './step-core.js';

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

/** Worker threads for the rows of one {@link sample} call. */
export class RowThreads {
  private constructor(
    private readonly workers: Worker[],
    private readonly replies: ((reply: Reply) => void)[],
  ) {}

  /** Starts one worker per range of rows (rows split as evenly as possible, in order). */
  static start(
    threads: number,
    settings: StepSettings,
    state: StepState,
    probs: Float32Array,
    seeds: readonly string[],
  ): RowThreads {
    const { entry, eval: isCode, execArgv } = workerEntry();
    const B = settings.B;
    const workers: Worker[] = [];
    const replies: ((reply: Reply) => void)[] = [];
    const pool = new RowThreads(workers, replies);
    for (let w = 0; w < threads; w++) {
      const from = Math.floor((w * B) / threads);
      const to = Math.floor(((w + 1) * B) / threads);
      const data: RowWorkerData = { settings, state, probs, from, to, seeds: seeds.slice(from, to) };
      const worker = new Worker(entry, { workerData: data, execArgv, eval: isCode });
      worker.on('message', (reply: Reply) => replies[w]?.(reply));
      worker.on('error', (error) => replies[w]?.({ ok: false, name: 'Error', message: error.message }));
      workers.push(worker);
    }
    return pool;
  }

  /** Runs a task on every worker; returns whether any reported a degenerate row. */
  async run(task: RowTask): Promise<boolean> {
    const results = await Promise.all(
      this.workers.map(
        (worker, w) =>
          new Promise<Reply>((resolve) => {
            this.replies[w] = resolve;
            worker.postMessage(task);
          }),
      ),
    );
    let degenerate = false;
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

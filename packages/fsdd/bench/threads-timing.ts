// Two sampler threads against one on the diffuse stub, timed in a process of its own. `sample`
// comes from `@tokenset/fsdd` as users get it: run without the `source` condition this is the
// built package, whose worker threads load the built row-worker.js (under the `source` condition
// they would load the TypeScript sources through tsx's require hook, about half as fast per row).
// Prints one JSON line: { oneMs, twoMs, identical }.
import { sample } from '@tokenset/fsdd';
import { diffuseProbs, REAL_SIZE, stubDenoiser } from './sampler-inputs.ts';

/** What the timing process prints. */
export interface ThreadsTiming {
  /** Milliseconds per run (25 steps) with one thread, then with two, interleaved runs. */
  oneMs: number[];
  twoMs: number[];
  /** Whether the two give the same counts, byte for byte. */
  identical: boolean;
}

/** Rows of the timed runs. */
export const THREAD_ROWS = 16;

/** Timed runs of each (their medians are compared: two runs of the same call vary by up to 20% here). */
const TIMED_RUNS = 9;

if (process.argv[1]?.endsWith('threads-timing.ts')) {
  const model = stubDenoiser(diffuseProbs(THREAD_ROWS), THREAD_ROWS, REAL_SIZE);
  const labels = Int32Array.from({ length: THREAD_ROWS }, (_, b) => b % 10);
  const run = (threads: number) => sample(model, { labels, seed: 5, steps: 25, guidance: 'none', threads });
  // untimed first runs: the JIT, and the worker pool started
  const one = await run(1);
  const two = await run(2);
  const timing: ThreadsTiming = {
    oneMs: [],
    twoMs: [],
    identical: Buffer.from(one.counts.buffer).equals(Buffer.from(two.counts.buffer)),
  };
  for (let r = 0; r < TIMED_RUNS; r++) {
    for (const [threads, into] of [
      [1, timing.oneMs],
      [2, timing.twoMs],
    ] as const) {
      const start = performance.now();
      await run(threads);
      into.push(performance.now() - start);
    }
  }
  process.stdout.write(`${JSON.stringify(timing)}\n`);
}

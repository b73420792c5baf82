/**
 * The browser's stand-in for `row-threads.ts` (the `browser` condition of package.json's
 * `imports`): the sampler runs its rows on the page's thread there (the results are the same, byte
 * for byte); Node.js worker threads do not exist in a browser.
 */

import { FsddError } from './errors.js';
import type * as NodeRowThreads from './row-threads.js';

export type { RowTask, RowWorkerData } from './row-threads.js';

/** One thread: the page's. */
export const defaultThreads: typeof NodeRowThreads.defaultThreads = () => 1;

/** Refuses to start: worker threads need Node.js. */
export const RowThreads = {
  start() {
    throw new FsddError('threads: expected 1 in a browser (worker threads need Node.js), got more');
  },
} as unknown as typeof NodeRowThreads.RowThreads;

// A worker thread of the sampler (see row-threads.ts): runs the step phases of its range of rows
// on the shared state, with the seeded streams of those rows.
import { parentPort, workerData } from 'node:worker_threads';
import { seededUniform } from './random.js';
import type { RowTask, RowWorkerData } from './row-threads.js';
import { drawNext, drawX0AndBridge, initialNoise, stepCore } from './step-core.js';

const data = workerData as RowWorkerData;
const core = stepCore(data.settings, data.state, data.from, data.to, data.seeds.map(seededUniform));

parentPort!.on('message', (task: RowTask) => {
  try {
    let degenerate = false;
    if (task.kind === 'noise') initialNoise(core);
    else if (task.kind === 'x0')
      degenerate = drawX0AndBridge(core, data.probs, task.step, task.t, task.tNext);
    else drawNext(core, task.step, task.t);
    parentPort!.postMessage({ ok: true, degenerate });
  } catch (error) {
    const e = error as Error;
    parentPort!.postMessage({ ok: false, name: e.name, message: e.message });
  }
});

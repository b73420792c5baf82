// A worker thread of the sampler (see row-threads.ts). It lives in a pool across `sample` calls:
// each call first sends a `setup` (its settings, shared state and range of rows), then the step
// phases of that range, with the seeded streams of those rows.
import { parentPort } from 'node:worker_threads';
import { seededUniform } from './random.js';
import type { RowMessage } from './row-threads.js';
import { drawNext, drawX0AndBridge, initialNoise, type StepCore, stepCore } from './step-core.js';

let core: StepCore | undefined;
let probs: Float32Array | undefined;

parentPort!.on('message', (message: RowMessage) => {
  if (message.kind === 'setup') {
    // no reply: a failure here ends the worker, which the calling thread sees as an error event
    const { settings, state, from, to, seeds } = message.data;
    probs = message.data.probs;
    core = stepCore(settings, state, from, to, seeds.map(seededUniform));
    return;
  }
  try {
    if (core === undefined || probs === undefined) throw new Error('a task came before its setup');
    let degenerate = false;
    if (message.kind === 'noise') initialNoise(core);
    else if (message.kind === 'x0')
      degenerate = drawX0AndBridge(core, probs, message.step, message.t, message.tNext);
    else drawNext(core, message.step, message.t);
    parentPort!.postMessage({ ok: true, degenerate });
  } catch (error) {
    const e = error as Error;
    parentPort!.postMessage({ ok: false, name: e.name, message: e.message });
  }
});

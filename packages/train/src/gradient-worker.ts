// A gradient worker of data-parallel training (see data-parallel.ts): holds a copy of the model's
// parameters, takes the current values and a shard of the batch, and answers with the shard's loss,
// gradients and side figures.
import { parentPort, workerData } from 'node:worker_threads';
import type { GradientReply, GradientTask, GradientWorkerData } from './data-parallel.js';
import type { ShapeEntry } from './init.js';
import type { Params } from './layers.js';
import { type ShardSide, shardGradients } from './shard-loss.js';
import { initBackend, tf } from './tf.js';

const data = workerData as GradientWorkerData;
const ready = initBackend().then(() => {
  const params: Params = new Map();
  for (const e of data.shapes as ShapeEntry[])
    params.set(e.name, tf.variable(tf.zeros(e.shape), true, e.name));
  return params;
});

parentPort!.on('message', async (task: GradientTask) => {
  try {
    const params = await ready;
    for (const [name, values] of Object.entries(task.params)) {
      const v = params.get(name)!;
      tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    }
    const side: ShardSide = { figures: {} };
    const { value, grads } = shardGradients(data.model, params, task.input, side);
    const out: Record<string, Float32Array> = {};
    for (const [name, g] of Object.entries(grads))
      out[name] = Float32Array.from(g.dataSync() as Float32Array);
    const reply: GradientReply = { ok: true, value: value.dataSync()[0], grads: out, side };
    tf.dispose([value, ...Object.values(grads)]);
    parentPort!.postMessage(
      reply,
      Object.values(out).map((a) => a.buffer as ArrayBuffer),
    );
  } catch (error) {
    const e = error as Error;
    parentPort!.postMessage({ ok: false, message: e.message } satisfies GradientReply);
  }
});

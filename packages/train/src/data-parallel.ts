/**
 * Data-parallel gradients on worker threads. TensorFlow.js's WebAssembly backend runs one thread
 * in Node, so a training step used one core of many. Here each step's batch is cut into shards:
 * the main thread computes the first, a worker thread (with its own backend and a copy of the
 * parameters, refreshed every step) each other one, and the gradients are averaged weighted by
 * rows, which is the full batch's gradient up to float32 summation order. The same seed and the
 * same number of workers give the same weights, run after run; one worker is exactly the plain
 * single-thread step.
 *
 * The worker's code is gradient-worker.js beside this module in the built package; from the
 * TypeScript sources (tests, `--conditions=source`) the worker loads gradient-worker.ts through tsx.
 */

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TrainError } from './errors.js';
import type { ShapeEntry } from './init.js';
import type { Params } from './layers.js';
import { type ShardInput, type ShardModel, type ShardSide, shardGradients } from './shard-loss.js';
import { tf } from './tf.js';

/** What a gradient worker starts with. */
export interface GradientWorkerData {
  model: ShardModel;
  shapes: ShapeEntry[];
}

/** One step's work for a worker: the current parameter values and its shard. */
export interface GradientTask {
  params: Record<string, Float32Array>;
  input: ShardInput;
}

/** A worker's answer. */
export type GradientReply =
  | { ok: true; value: number; grads: Record<string, Float32Array>; side: ShardSide }
  | { ok: false; message: string };

/** The worker's entry: the built module, or (from the sources) a bootstrap that loads it through tsx. */
function workerEntry(): { entry: URL | string; eval: boolean; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts')) {
    return { entry: new URL('./gradient-worker.js', import.meta.url), eval: false, execArgv: [] };
  }
  const require = createRequire(import.meta.url);
  const tsx = require.resolve('tsx/cjs/api');
  const worker = fileURLToPath(new URL('./gradient-worker.ts', import.meta.url));
  const bootstrap = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(worker)});`;
  return { entry: bootstrap, eval: true, execArgv: ['--conditions=source'] };
}

/** The gradient of a batch, from its shards. */
export interface BatchGradients {
  /** The batch's mean loss. */
  value: number;
  /** Gradients by parameter name (tensors the caller disposes). */
  grads: Record<string, tf.Tensor>;
  /** Each shard's side figures and arrays, in shard order. */
  sides: ShardSide[];
}

/** The main thread plus `workers - 1` gradient worker threads for one model. */
export class DataParallel {
  private constructor(
    private readonly model: ShardModel,
    private readonly threads: Worker[],
  ) {}

  /** Shards per step: the main thread and the worker threads. */
  get workers(): number {
    return this.threads.length + 1;
  }

  /** Starts `workers - 1` threads (none for one worker). */
  static start(model: ShardModel, shapes: ShapeEntry[], workers: number): DataParallel {
    if (!Number.isInteger(workers) || workers < 1)
      throw new RangeError(`workers: expected a positive integer, got ${workers}`);
    const { entry, eval: isCode, execArgv } = workerEntry();
    const data: GradientWorkerData = { model, shapes };
    const threads = Array.from(
      { length: workers - 1 },
      () => new Worker(entry, { workerData: data, execArgv, eval: isCode }),
    );
    return new DataParallel(model, threads);
  }

  /**
   * The gradients of a batch given as one shard per worker (`inputs.length === workers`), the
   * first computed here while the threads compute the others. A batch too large for one pass
   * (a WebAssembly heap holds at most a few GB) comes as several rounds of `workers` shards each
   * (`inputs.length` a multiple of `workers`). Every shard's gradient is weighted by its rows.
   */
  async gradients(params: Params, inputs: readonly ShardInput[]): Promise<BatchGradients> {
    const rounds = inputs.length / this.workers;
    if (!(Number.isInteger(rounds) && rounds >= 1))
      throw new RangeError(`inputs: expected a multiple of ${this.workers} shards, got ${inputs.length}`);
    if (inputs.length === 1) {
      // One shard: exactly the plain single-thread step, the tensors as tfjs made them.
      const side: ShardSide = { figures: {} };
      const local = shardGradients(this.model, params, inputs[0], side);
      const value = local.value.dataSync()[0];
      local.value.dispose();
      return { value, grads: local.grads, sides: [side] };
    }
    const values: Record<string, Float32Array> = {};
    // dataSync reads a copy and postMessage clones it: no third copy here, once per step.
    if (this.threads.length > 0) for (const [name, v] of params) values[name] = v.dataSync() as Float32Array;
    const total = inputs.reduce((n, s) => n + s.rows, 0);
    let value = 0;
    const sums: Record<string, { sum: Float32Array; shape: number[] }> = {};
    const sides: ShardSide[] = [];
    for (let r = 0; r < inputs.length; r += this.workers) {
      const shards = inputs.slice(r, r + this.workers);
      const pending = this.threads.map((thread, i) =>
        this.ask(thread, { params: values, input: shards[i + 1] }),
      );
      const side: ShardSide = { figures: {} };
      const local = shardGradients(this.model, params, shards[0], side);
      const replies = await Promise.all(pending);
      const weights = shards.map((s) => s.rows / total);
      value += weights[0] * local.value.dataSync()[0];
      replies.forEach((reply, i) => {
        value += weights[i + 1] * reply.value;
      });
      for (const [name, g] of Object.entries(local.grads)) {
        const into = (sums[name] ??= { sum: new Float32Array(g.size), shape: g.shape });
        const parts = [g.dataSync() as Float32Array, ...replies.map((reply) => reply.grads[name])];
        parts.forEach((part, i) => {
          if (part === undefined) return;
          const w = weights[i];
          for (let j = 0; j < part.length; j++) into.sum[j] += w * part[j];
        });
      }
      tf.dispose([local.value, ...Object.values(local.grads)]);
      sides.push(side, ...replies.map((reply) => reply.side));
    }
    const grads: Record<string, tf.Tensor> = {};
    for (const [name, { sum, shape }] of Object.entries(sums)) grads[name] = tf.tensor(sum, shape);
    return { value, grads, sides };
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  private ask(thread: Worker, task: GradientTask): Promise<Extract<GradientReply, { ok: true }>> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        thread.off('message', onMessage);
        reject(new TrainError(`a gradient worker failed: ${error.message}`));
      };
      const onMessage = (reply: GradientReply) => {
        thread.off('error', onError);
        if (reply.ok) resolve(reply);
        else reject(new TrainError(`a gradient worker failed: ${reply.message}`));
      };
      thread.once('message', onMessage);
      thread.once('error', onError);
      thread.postMessage(task);
    });
  }
}

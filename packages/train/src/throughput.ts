/** Timing helpers for the training benchmark: one training step of a demo-sized model, and tfjs's matmul ceiling. */

import { dit1dShapes } from '@tokenset/dit1d';
import { AdamW } from './adam.js';
import { DataParallel } from './data-parallel.js';
import { fanIn, initParams, type ShapeEntry } from './init.js';
import { batchShards, type ShardInput, type ShardModel } from './shard-loss.js';
import { initBackend, tf } from './tf.js';
import { DEMO_DIT1D_SIZES, dit1dShardRows } from './train-dit1d.js';
import { DEMO_TOKENIZER_CONFIG, tokenizerParameterShapes } from './train-tokenizer.js';

/** GFLOP/s of tfjs-wasm's float32 product of two 1024×1024 matrices (median of 3). */
export async function tfjsMatmulCeilingGflops(): Promise<number> {
  await initBackend();
  const n = 1024;
  const [a, b] = [tf.randomNormal([n, n]), tf.randomNormal([n, n])];
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return (2 * n ** 3) / times[1] / 1e9;
}

/** One timed training step of a demo-sized model, and the threads to stop afterwards. */
export interface StepTimer {
  /** Runs one full training step (forward, backward, AdamW) and resolves with its seconds. */
  step(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A full training step of a demo-sized model on synthetic data, with the batch shared among
 * `workers` threads, as the training runs share it. `codebookSize` is C of both models (default
 * 128, where the demo runs start; the committed demo models have 512).
 */
export async function stepThroughput(
  kind: 'tokenizer' | 'dit1d',
  batch: number,
  workers = 1,
  codebookSize = DEMO_TOKENIZER_CONFIG.codebookSize,
): Promise<StepTimer> {
  if (!(Number.isInteger(codebookSize) && codebookSize >= 2))
    throw new RangeError(`codebookSize: expected an integer ≥ 2, got ${codebookSize}`);
  await initBackend();
  const rule = (e: { shape: number[] }) =>
    e.shape.length === 1
      ? ({ kind: 'constant', value: 1 } as const)
      : ({ kind: 'normal', std: 1 / Math.sqrt(fanIn(e.shape)) } as const);
  let model: ShardModel;
  let shapes: ShapeEntry[];
  let shard: (from: number, to: number) => ShardInput;
  if (kind === 'tokenizer') {
    const c = { ...DEMO_TOKENIZER_CONFIG, codebookSize };
    model = { kind, config: c };
    shapes = tokenizerParameterShapes(c);
    const pixels = c.imageSize * c.imageSize * 3;
    const images = Float32Array.from({ length: batch * pixels }, (_, i) => Math.sin(i * 0.37));
    shard = (from, to) => ({
      rows: to - from,
      images: images.slice(from * pixels, to * pixels),
      quantizing: true,
    });
  } else {
    const c = { codebookSize, setSize: 32, numClasses: 10, ...DEMO_DIT1D_SIZES };
    model = { kind, config: c };
    shapes = dit1dShapes(c);
    const C = c.codebookSize;
    const counts = Int32Array.from({ length: batch * C }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const t = Float32Array.from({ length: batch }, (_, i) => (i + 0.5) / batch);
    const labels = Int32Array.from({ length: batch }, (_, i) => i % 11);
    shard = (from, to) => ({
      rows: to - from,
      ztq: counts.slice(from * C, to * C),
      x0: counts.slice(from * C, to * C),
      t: t.slice(from, to),
      labels: labels.slice(from, to),
    });
  }
  const p = initParams(shapes, rule, 0);
  const opt = new AdamW(p);
  const pool = DataParallel.start(model, shapes, workers);
  const maxRows = kind === 'dit1d' ? dit1dShardRows(codebookSize) : undefined;
  const inputs = batchShards(batch, workers, maxRows).map(([from, to]) => shard(from, to));
  return {
    async step() {
      const t0 = performance.now();
      const { grads } = await pool.gradients(p, inputs);
      opt.apply(grads, 1e-4);
      tf.dispose(Object.values(grads));
      return (performance.now() - t0) / 1000;
    },
    async close() {
      await pool.close();
      tf.dispose([...p.values()]);
    },
  };
}

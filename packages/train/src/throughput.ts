/** Timing helpers for the training benchmark: one training step of a demo-sized model, and tfjs's matmul ceiling. */

import { dit1dShapes } from '@tokenset/dit1d';
import { AdamW } from './adam.js';
import { crossEntropyLoss, dit1dLogits } from './dit1d-net.js';
import { fanIn, initParams } from './init.js';
import { initBackend, tf } from './tf.js';
import { decodeQuantized, encodeLatent, quantize } from './tokenizer-net.js';
import { DEMO_DIT1D_SIZES } from './train-dit1d.js';
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

/**
 * A function that runs one full training step (forward, backward, AdamW) of a demo-sized model on
 * synthetic data and resolves with its duration in seconds.
 */
export async function stepThroughput(
  kind: 'tokenizer' | 'dit1d',
  batch: number,
): Promise<() => Promise<number>> {
  await initBackend();
  const rule = (e: { shape: number[] }) =>
    e.shape.length === 1
      ? ({ kind: 'constant', value: 1 } as const)
      : ({ kind: 'normal', std: 1 / Math.sqrt(fanIn(e.shape)) } as const);
  if (kind === 'tokenizer') {
    const c = DEMO_TOKENIZER_CONFIG;
    const p = initParams(tokenizerParameterShapes(c), rule, 0);
    const opt = new AdamW(p);
    const images = tf.randomUniform([batch, c.imageSize, c.imageSize, 3], -1, 1) as tf.Tensor4D;
    return async () => {
      const t0 = performance.now();
      const { value, grads } = tf.variableGrads(() => {
        const q = quantize(p, c, encodeLatent(p, c, images));
        return tf.add(tf.mean(tf.square(tf.sub(decodeQuantized(p, c, q.zq), images))), q.loss) as tf.Scalar;
      });
      opt.apply(grads, 1e-4);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
      return (performance.now() - t0) / 1000;
    };
  }
  const c = { codebookSize: 128, setSize: 32, numClasses: 10, ...DEMO_DIT1D_SIZES };
  const p = initParams(dit1dShapes(c), rule, 0);
  const opt = new AdamW(p);
  const counts = tf.tensor2d(
    Int32Array.from({ length: batch * 128 }, (_, i) => (i % 4 === 0 ? 1 : 0)),
    [batch, 128],
    'int32',
  );
  const t = tf.tensor1d(Float32Array.from({ length: batch }, (_, i) => (i + 0.5) / batch));
  const y = tf.tensor1d(
    Int32Array.from({ length: batch }, (_, i) => i % 11),
    'int32',
  );
  return async () => {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() =>
      crossEntropyLoss(dit1dLogits(p, c, counts, t, y), counts),
    );
    opt.apply(grads, 1e-4);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
    return (performance.now() - t0) / 1000;
  };
}

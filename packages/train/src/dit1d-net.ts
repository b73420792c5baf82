/**
 * The reference DiT1D (`models.py`: TimestepEmbedder, LabelEmbedder, DiTBlock, FinalLayer1D,
 * DiT1D.forward) as a differentiable TensorFlow.js network over parameters named and shaped as
 * its state dict, so `DiT1D.load` (onnxruntime) reads the trained weights unchanged. Embedding
 * lookups are one-hot products (the WebAssembly backend lacks the gather gradient).
 */

import { type DiT1DConfig, timestepFrequencies } from '@tokenset/dit1d';
import { attention, geluTanh, layerNorm, linear, matmul, type Params, param, silu } from './layers.js';
import { tf } from './tf.js';

/** Sizes of a trainable DiT1D: the inference package's config, less what only the exporter uses. */
export type DiT1DNetConfig = Pick<
  DiT1DConfig,
  'codebookSize' | 'setSize' | 'hiddenSize' | 'depth' | 'numHeads' | 'numClasses'
>;

/** Frequencies of the sinusoidal timestep embedding (256, as the reference). */
const FREQUENCY_SIZE = 256;

/** A table lookup as a one-hot product: `[...shape]` int ids → `[...shape, D]`. */
function embed(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const rows = table.shape[0];
  const oneHot = tf.oneHot(ids.flatten().toInt(), rows).toFloat(); // [n, rows]
  return matmul(oneHot, table).reshape([...ids.shape, table.shape[1] as number]);
}

/** `TimestepEmbedder`: t in [0, 1] (not ×1000) → cat(cos, sin) → Linear, SiLU, Linear. */
function timestepEmbedder(p: Params, t: tf.Tensor1D): tf.Tensor {
  const freqs = tf.tensor1d(timestepFrequencies(FREQUENCY_SIZE));
  const args = tf.mul(t.reshape([-1, 1]), freqs.reshape([1, -1])); // [B, 128]
  const emb = tf.concat([tf.cos(args), tf.sin(args)], 1); // [B, 256]
  return linear(p, silu(linear(p, emb, 't_embedder.mlp.0')), 't_embedder.mlp.2');
}

/** `x·(1 + scale) + shift` with shift, scale `[B, D]` broadcast over positions. */
function modulate(x: tf.Tensor, shift: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(x, tf.add(scale.expandDims(1), 1)), shift.expandDims(1));
}

/** DiTBlock with adaLN-Zero. */
function ditBlock(p: Params, c: DiT1DNetConfig, x: tf.Tensor, cSilu: tf.Tensor, i: number): tf.Tensor {
  const name = `blocks.${i}`;
  const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = tf.split(
    linear(p, cSilu, `${name}.adaLN_modulation.1`),
    6,
    1,
  ); // 6 × [B, D]
  const h1 = modulate(layerNorm(null, x, null, 1e-6), shiftMsa, scaleMsa);
  const [q, k, v] = tf.split(linear(p, h1, `${name}.attn.qkv`), 3, 2);
  const attn = linear(p, attention(q, k, v, c.numHeads), `${name}.attn.proj`);
  x = tf.add(x, tf.mul(gateMsa.expandDims(1), attn));
  const h2 = modulate(layerNorm(null, x, null, 1e-6), shiftMlp, scaleMlp);
  const mlp = linear(p, geluTanh(linear(p, h2, `${name}.mlp.fc1`)), `${name}.mlp.fc2`);
  return tf.add(x, tf.mul(gateMlp.expandDims(1), mlp));
}

/**
 * `DiT1D.forward`: counts `[B, C]` (ints), t `[B]`, labels `[B]` (the null label is `numClasses`)
 * → logits `[B, C, M+1]`.
 */
export function dit1dLogits(
  p: Params,
  c: DiT1DNetConfig,
  counts: tf.Tensor2D,
  t: tf.Tensor1D,
  labels: tf.Tensor1D,
): tf.Tensor3D {
  let x = tf.add(embed(param(p, 'x_embedder.embedding_table.weight'), counts), param(p, 'pos_embed')); // [B, C, D]
  const cond = tf.add(timestepEmbedder(p, t), embed(param(p, 'y_embedder.embedding_table.weight'), labels)); // [B, D]
  const cSilu = silu(cond);
  for (let i = 0; i < c.depth; i++) x = ditBlock(p, c, x, cSilu, i);
  const [shift, scale] = tf.split(linear(p, cSilu, 'final_layer.adaLN_modulation.1'), 2, 1);
  const h = modulate(layerNorm(null, x, null, 1e-6), shift, scale);
  return linear(p, h, 'final_layer.linear') as tf.Tensor3D; // [B, C, M+1]
}

/**
 * Mean cross-entropy of logits `[..., K]` against integer classes `[...]`: for DiT1D, train.py's
 * per-entry loss over the M+1 counts, averaged; for the classifier, over the 10 digits.
 */
export function crossEntropyLoss(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  const k = logits.shape[logits.shape.length - 1];
  const logProbs = tf.sub(logits, tf.logSumExp(logits, -1, true));
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(targets.toInt(), k).toFloat()), -1);
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}

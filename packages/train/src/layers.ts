/**
 * The building blocks of the reference networks as differentiable TensorFlow.js functions over a
 * map of named parameters (`Params`, keyed by the reference's state-dict names, in PyTorch's
 * layouts). Products and convolutions carry their own gradients, written with the operations the
 * WebAssembly backend runs fast (it has no kernel for a convolution's filter gradient at all).
 */

import { tf } from './tf.js';

/** Swaps the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[perm.length - 1] = perm.length - 2;
  perm[perm.length - 2] = perm.length - 1;
  return tf.transpose(x, perm);
}

/**
 * `a @ b` (batched over leading axes) whose gradients are plain products of explicit transposes:
 * the WebAssembly backend's matrix product is fast only without its transpose flags (measured
 * here: 10–20× slower with `transposeA`/`transposeB`), and TensorFlow.js's own gradient uses them.
 */
export const matmul = tf.customGrad((a, b, save) => {
  const x = a as tf.Tensor;
  const y = b as tf.Tensor;
  (save as (ts: tf.Tensor[]) => void)([x, y]);
  return {
    value: tf.matMul(x, y),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy, swapLast(saved[1])),
      tf.matMul(swapLast(saved[0]), dy),
    ],
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** `a @ bᵀ` through {@link matmul} (the transpose is explicit). */
export function matmulT(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return matmul(a, swapLast(b));
}

/** Trainable parameters by state-dict name, in PyTorch's layouts (`Linear.weight` is `[out, in]`). */
export type Params = Map<string, tf.Variable>;

/** The parameter `name`, or a clear error. */
export function param(p: Params, name: string): tf.Variable {
  const v = p.get(name);
  if (v === undefined) throw new Error(`parameters: expected '${name}', got none`);
  return v;
}

/** `nn.Linear`: `x @ Wᵀ + b` over the last axis of any rank. */
export function linear(p: Params, x: tf.Tensor, name: string, bias = true): tf.Tensor {
  const w = param(p, `${name}.weight`); // [out, in]
  const shape = x.shape;
  const rows = x.reshape([-1, shape[shape.length - 1]]);
  let y = matmulT(rows, w); // [n, out]
  if (bias) y = tf.add(y, param(p, `${name}.bias`));
  return y.reshape([...shape.slice(0, -1), w.shape[0]]);
}

/** A 1×1 convolution with a `[out, in, 1, 1]` weight, on channels-last `x`. */
export function conv1x1(p: Params, x: tf.Tensor, name: string, bias = true): tf.Tensor {
  const w = param(p, `${name}.weight`);
  const shape = x.shape;
  let y = matmulT(x.reshape([-1, shape[shape.length - 1]]), w.reshape([w.shape[0], w.shape[1] as number]));
  if (bias) y = tf.add(y, param(p, `${name}.bias`));
  return y.reshape([...shape.slice(0, -1), w.shape[0]]);
}

/**
 * The filter gradient of a stride-1 'same' convolution, `[k, k, C, O]`: itself a convolution, of the
 * zero-padded input with the channel axis as batch (`[C, H+k-1, W+k-1, B]`) by the output gradient
 * as a filter (`[H, W, B, O]`). Measured on a 16×32×32×32 batch: 41 ms, against 145 ms for the
 * product of the input's patches with the output gradient (whose big transposes dominated).
 */
export function convFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, k: number): tf.Tensor4D {
  const before = (k - 1) >> 1;
  const padded = tf.pad(x, [
    [0, 0],
    [before, k - 1 - before],
    [before, k - 1 - before],
    [0, 0],
  ]);
  const channelsAsBatch = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D; // [C, H+k-1, W+k-1, B]
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H, W, B, O]
  return tf.transpose(tf.conv2d(channelsAsBatch, filter, 1, 'valid'), [1, 2, 0, 3]) as tf.Tensor4D;
}

/**
 * A stride-1, 'same'-padded convolution of channels-last `x` `[B, H, W, C]` with an `[k, k, C, O]`
 * filter (odd k). The forward pass and both gradients use the backend's convolution kernel (it has
 * no kernel for the filter gradient; see {@link convFilterGradient}).
 */
const conv2dSameHwio = tf.customGrad((xIn, fIn, save) => {
  const x = xIn as tf.Tensor4D;
  const f = fIn as tf.Tensor4D;
  (save as (ts: tf.Tensor[]) => void)([x, f]);
  return {
    value: tf.conv2d(x, f, 1, 'same'),
    gradFunc: (dyIn: tf.Tensor, saved: tf.Tensor[]) => {
      const dy = dyIn as tf.Tensor4D;
      const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
      const k = sf.shape[0];
      // The input gradient of a stride-1 'same' convolution is a 'same' convolution of the output
      // gradient with the filter rotated 180° and its channel axes swapped (faster than the
      // backend's transposed-convolution kernel).
      const dx = tf.conv2d(dy, tf.transpose(tf.reverse(sf, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, 'same');
      return [dx, convFilterGradient(sx, dy, k)];
    },
  };
}) as (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D;

/**
 * `Conv2dSame` (stride 1, odd square kernel k): pads `(k-1)/2` on each side, as the reference;
 * `x` is channels-last `[B, H, W, C]`, the weight PyTorch's `[out, C, k, k]`.
 */
export function convSame(p: Params, x: tf.Tensor4D, name: string, bias: boolean): tf.Tensor4D {
  const w = param(p, `${name}.weight`);
  if ((w.shape[2] as number) % 2 !== 1)
    throw new RangeError(`${name}.weight: expected an odd kernel size, got ${w.shape[2]}`);
  let y: tf.Tensor4D = conv2dSameHwio(x, tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D);
  if (bias) y = tf.add(y, param(p, `${name}.bias`));
  return y;
}

/** `nn.LayerNorm` over the last axis (biased variance), with or without the affine parameters. */
export function layerNorm(p: Params | null, x: tf.Tensor, name: string | null, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  if (p === null || name === null) return normed;
  return tf.add(tf.mul(normed, param(p, `${name}.weight`)), param(p, `${name}.bias`));
}

/** `nn.GroupNorm(groups, C, eps)` on channels-last `[B, H, W, C]`. */
export function groupNorm(p: Params, x: tf.Tensor4D, name: string, groups: number, eps: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const grouped = x.reshape([b, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normed = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, eps))).reshape([b, h, w, c]);
  return tf.add(tf.mul(normed, param(p, `${name}.weight`)), param(p, `${name}.bias`));
}

/** `nn.GELU()`: the exact form, `x·Φ(x)` with the error function. */
export function geluExact(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/**
 * `nn.GELU(approximate='tanh')`, as timm's `Mlp` in DiT: `x·(1 + tanh(u))/2` with
 * `u = √(2/π)·(x + 0.044715·x³)`, computed as `x·sigmoid(2u)` (the same function): the WebAssembly
 * backend's Tanh is ten times slower than its Sigmoid (measured: 70 vs 7 ms on 10⁶ values).
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const cube = tf.mul(tf.mul(x, x), x); // a product: Pow is slow on the WebAssembly backend
  const twiceInner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), 2 * Math.sqrt(2 / Math.PI));
  return tf.mul(x, tf.sigmoid(twiceInner));
}

/** SiLU, `x·sigmoid(x)`. */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * Scaled dot-product attention over `heads` heads: q, k, v `[B, L, D]` → `[B, L, D]`; q is divided
 * by √(D/heads) before q·kᵀ, as PyTorch 1.13's `nn.MultiheadAttention` and timm's `Attention`.
 * With one head, each batch item runs as plain 2-D products: the WebAssembly backend's batched
 * product runs about ten times slower per FLOP than its 2-D one (measured: 0.6 vs 6–12 GFLOP/s).
 */
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, heads: number): tf.Tensor {
  const [b, l, d] = q.shape as [number, number, number];
  const hd = d / heads;
  if (heads === 1) {
    const qs = tf.split(tf.div(q, Math.sqrt(hd)), b, 0);
    const ks = tf.split(k, b, 0);
    const vs = tf.split(v, b, 0);
    const outs = qs.map((qi, i) => {
      const weights = tf.softmax(matmulT(qi.reshape([l, d]), ks[i].reshape([l, d]))); // [L, L]
      return matmul(weights, vs[i].reshape([l, d])); // [L, D]
    });
    return tf.stack(outs); // [B, L, D]
  }
  const split = (t: tf.Tensor) => tf.transpose(t.reshape([b, l, heads, hd]), [0, 2, 1, 3]); // [B, H, L, hd]
  const qh = tf.div(split(q), Math.sqrt(hd));
  const weights = tf.softmax(matmulT(qh, split(k))); // [B, H, L, L]
  const out = matmul(weights, split(v)); // [B, H, L, hd]
  return tf.transpose(out, [0, 2, 1, 3]).reshape([b, l, d]);
}

/**
 * Identity in the forward pass, no gradient in the backward pass (PyTorch's `.detach()`): the
 * straight-through estimator and the quantizer's two losses need it.
 */
export const detach = tf.customGrad((x, save) => {
  void save;
  return { value: tf.clone(x as tf.Tensor), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/** `F.normalize(x, dim=-1)`: `x / max(‖x‖₂, 1e-12)`. */
export function l2Normalize(x: tf.Tensor): tf.Tensor {
  const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
  return tf.div(x, tf.maximum(norm, 1e-12));
}

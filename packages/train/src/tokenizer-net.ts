/**
 * The set tokenizer of the reference (`set_tokenizer/model.py`, TiTok's `blocks.py`, `quantizer.py`
 * and `maskgit_vqgan.py`) as a differentiable TensorFlow.js network over parameters named and shaped
 * exactly as the reference's state dict, so a trained map is written as a `.pth` that
 * `SetTokenizer.load` (onnxruntime) and PyTorch read unchanged. Images are channels-last here;
 * the computation is the reference's (the ONNX export in `@tokenset/tokenizer` is the twin).
 */

import {
  attention,
  conv1x1,
  convSame,
  detach,
  geluExact,
  groupNorm,
  l2Normalize,
  layerNorm,
  linear,
  matmul,
  matmulT,
  type Params,
  param,
  silu,
} from './layers.js';
import { tf } from './tf.js';

/** LayerNorm epsilon of the ViTs (`nn.LayerNorm` default). */
const LN_EPS = 1e-5;
/** GroupNorm of the pixel decoder: 32 groups, eps 1e-6. */
const GN_GROUPS = 32;
const GN_EPS = 1e-6;
/** TiTok's commitment cost. */
export const COMMITMENT_COST = 0.25;

/** Sizes of a trainable tokenizer (what its parameters' shapes follow from, plus the heads). */
export interface TokenizerNetConfig {
  imageSize: number;
  patchSize: number;
  width: number;
  layers: number;
  heads: number;
  numLatentTokens: number;
  codebookSize: number;
  tokenSize: number;
  pixelDecoder: {
    zChannels: number;
    hiddenChannels: number;
    channelMult: number[];
    numResBlocks: number;
    outChannels: number;
  };
}

/** `ResidualAttentionBlock`: pre-norm attention with `nn.MultiheadAttention` weights, then the MLP. */
function residualBlock(p: Params, x: tf.Tensor, prefix: string, heads: number): tf.Tensor {
  const w = x.shape[2] as number;
  const h = layerNorm(p, x, `${prefix}.ln_1`, LN_EPS);
  const inW = param(p, `${prefix}.attn.in_proj_weight`); // [3W, W]
  const qkv = tf
    .add(matmulT(h.reshape([-1, w]), inW), param(p, `${prefix}.attn.in_proj_bias`))
    .reshape([x.shape[0], x.shape[1] as number, 3 * w]);
  const [q, k, v] = tf.split(qkv, 3, 2);
  x = tf.add(x, linear(p, attention(q, k, v, heads), `${prefix}.attn.out_proj`));
  let m = linear(p, layerNorm(p, x, `${prefix}.ln_2`, LN_EPS), `${prefix}.mlp.c_fc`);
  m = linear(p, geluExact(m), `${prefix}.mlp.c_proj`);
  return tf.add(x, m);
}

function transformer(p: Params, x: tf.Tensor, prefix: string, layers: number, heads: number): tf.Tensor {
  for (let i = 0; i < layers; i++) x = residualBlock(p, x, `${prefix}.${i}`, heads);
  return x;
}

/** A `[rows, W]` parameter repeated over the batch: `[B, rows, W]`. */
function overBatch(t: tf.Tensor, batch: number): tf.Tensor {
  const [rows, w] = t.shape.slice(-2);
  return tf.tile(t.reshape([1, rows, w]), [batch, 1, 1]);
}

/**
 * `Encoder.forward` up to the quantizer: images `[B, S, S, 3]` in [-1, 1] → the latent rows
 * `[B, M, T]` that the quantizer compares with the codebook (before L2 normalisation).
 */
export function encodeLatent(p: Params, c: TokenizerNetConfig, images: tf.Tensor4D): tf.Tensor3D {
  const b = images.shape[0];
  const { patchSize: ps, width: w, numLatentTokens: m, tokenSize: t } = c;
  const g = c.imageSize / ps;
  const x01 = tf.add(tf.mul(images, 0.5), 0.5); // tokenizer.encode: back to [0, 1]
  // patch_embed (a p×p, stride-p conv) as a product: patches flattened in (c, ky, kx) order.
  const patches = tf
    .transpose(x01.reshape([b, g, ps, g, ps, 3]), [0, 1, 3, 5, 2, 4])
    .reshape([b * g * g, 3 * ps * ps]);
  const kernel = param(p, 'encoder.patch_embed.weight').reshape([w, 3 * ps * ps]);
  let x = tf.add(matmulT(patches, kernel), param(p, 'encoder.patch_embed.bias')).reshape([b, g * g, w]); // [B, g², W]
  x = tf.concat([overBatch(param(p, 'encoder.class_embedding'), b), x], 1); // [B, g²+1, W]
  x = tf.add(x, param(p, 'encoder.positional_embedding'));
  x = tf.concat([x, overBatch(param(p, 'latent_tokens'), b)], 1); // [B, g²+1+M, W]
  x = layerNorm(p, x, 'encoder.ln_pre', LN_EPS);
  x = transformer(p, x, 'encoder.transformer', c.layers, c.heads);
  let z = tf.slice(x, [0, 1 + g * g, 0], [b, m, w]); // [B, M, W]
  z = layerNorm(p, z, 'encoder.ln_post', LN_EPS);
  // TiTok's plain reshape (B, M, W) → (B, W, M, 1) before the 1×1 conv: the conv mixes that view.
  const fake2d = tf.transpose(z.reshape([b, w, m]), [0, 2, 1]); // [B, M, W] rows of the (W, M) view
  return conv1x1(p, fake2d, 'encoder.conv_out').reshape([b, m, t]) as tf.Tensor3D;
}

/** The quantizer's output for a batch. */
export interface Quantized {
  /** Straight-through codes: forward value = the chosen normalised codebook rows `[B, M, T]`. */
  zq: tf.Tensor3D;
  /** `[B·M]` nearest codebook indices. */
  codes: Int32Array;
  /** Commitment plus codebook loss (scalar). */
  loss: tf.Scalar;
  /** The L2-normalised latent rows `[B·M, T]` (for codebook restarts). */
  normalised: tf.Tensor2D;
}

/**
 * `VectorQuantizer.forward` with L2-normalised vectors: cosine-nearest codebook entry, loss
 * `β·‖sg(q) − z‖² + ‖q − sg(z)‖²` (means), straight-through `z + sg(q − z)`.
 */
export function quantize(p: Params, c: TokenizerNetConfig, latent: tf.Tensor3D): Quantized {
  const [b, m, t] = latent.shape;
  const z = l2Normalize(latent.reshape([b * m, t])) as tf.Tensor2D; // [N, T]
  const e = l2Normalize(param(p, 'quantize.embedding.weight')); // [C, T]
  const distance = tf.sub(
    tf.add(tf.sum(tf.square(z), 1, true), tf.sum(tf.square(e), 1)),
    tf.mul(matmulT(z, e), 2),
  ); // [N, C]
  const codesT = tf.argMin(distance, 1);
  const codes = codesT.dataSync() as Int32Array;
  const q = matmul(tf.oneHot(codesT, c.codebookSize).toFloat(), e); // [N, T], differentiable in the codebook
  const commitment = tf.mean(tf.square(tf.sub(detach(q), z)));
  const codebook = tf.mean(tf.square(tf.sub(q, detach(z))));
  const loss = tf.add(tf.mul(commitment, COMMITMENT_COST), codebook) as tf.Scalar;
  const zq = tf.add(z, detach(tf.sub(q, z))).reshape([b, m, t]) as tf.Tensor3D;
  return { zq, codes: Int32Array.from(codes), loss, normalised: z };
}

/** `ResnetBlock` with the reference's shortcut quirk (a channel change adds `nin_shortcut(h)`). */
function resnetBlock(p: Params, x: tf.Tensor4D, prefix: string): tf.Tensor4D {
  const cin = x.shape[3];
  let h = convSame(
    p,
    silu(groupNorm(p, x, `${prefix}.norm1`, GN_GROUPS, GN_EPS)) as tf.Tensor4D,
    `${prefix}.conv1`,
    false,
  );
  h = convSame(
    p,
    silu(groupNorm(p, h, `${prefix}.norm2`, GN_GROUPS, GN_EPS)) as tf.Tensor4D,
    `${prefix}.conv2`,
    false,
  );
  if (h.shape[3] === cin) return tf.add(h, x);
  return tf.add(h, convSame(p, h, `${prefix}.nin_shortcut`, false));
}

/** The MaskGIT-VQGAN pixel decoder: `[B, g, g, z]` → `[B, S, S, 3]`. */
function pixelDecoder(p: Params, c: TokenizerNetConfig, z: tf.Tensor4D): tf.Tensor4D {
  const pd = c.pixelDecoder;
  let h = convSame(p, z, 'pixel_decoder.conv_in', true);
  for (let j = 0; j < pd.numResBlocks; j++) h = resnetBlock(p, h, `pixel_decoder.mid.${j}`);
  for (let i = pd.channelMult.length - 1; i >= 0; i--) {
    for (let j = 0; j < pd.numResBlocks; j++) h = resnetBlock(p, h, `pixel_decoder.up.${i}.block.${j}`);
    if (i !== 0) {
      const [, hh, ww] = h.shape;
      h = convSame(
        p,
        tf.image.resizeNearestNeighbor(h, [2 * hh, 2 * ww]),
        `pixel_decoder.up.${i}.upsample_conv`,
        true,
      );
    }
  }
  h = silu(groupNorm(p, h, 'pixel_decoder.norm_out', GN_GROUPS, GN_EPS)) as tf.Tensor4D;
  return convSame(p, h, 'pixel_decoder.conv_out', true);
}

/**
 * `Decoder.forward` + pixel decoder + `2x − 1`: quantised vectors `[B, M, T]` (in any order: no
 * position embedding reaches them) → images `[B, S, S, 3]` (about [-1, 1]).
 */
export function decodeQuantized(p: Params, c: TokenizerNetConfig, zq: tf.Tensor3D): tf.Tensor4D {
  const [b] = zq.shape;
  const w = c.width;
  const g = c.imageSize / c.patchSize;
  const x = linear(p, zq, 'decoder.decoder_embed'); // [B, M, W]
  const queries = tf.add(
    tf.concat(
      [
        param(p, 'decoder.class_embedding'),
        tf.tile(param(p, 'decoder.mask_token').reshape([1, w]), [g * g, 1]),
      ],
      0,
    ),
    param(p, 'decoder.positional_embedding'),
  ); // [g²+1, W]
  let h = tf.concat([overBatch(queries, b), x], 1); // [B, g²+1+M, W]
  h = layerNorm(p, h, 'decoder.ln_pre', LN_EPS);
  h = transformer(p, h, 'decoder.transformer', c.layers, c.heads);
  h = tf.slice(h, [0, 1, 0], [b, g * g, w]);
  h = layerNorm(p, h, 'decoder.ln_post', LN_EPS);
  let map = h.reshape([b, g, g, w]) as tf.Tensor4D; // token gy·g + gx is pixel (gy, gx)
  map = conv1x1(p, map, 'decoder.ffn.0') as tf.Tensor4D;
  map = conv1x1(p, tf.tanh(map), 'decoder.ffn.2') as tf.Tensor4D;
  const out = pixelDecoder(p, c, map);
  return tf.sub(tf.mul(out, 2), 1);
}

/** The codebook rows of `codes` `[B, M]`, L2-normalised: `get_codebook_entry` (decoding a token set). */
export function codebookEntries(p: Params, codes: tf.Tensor2D): tf.Tensor3D {
  const e = l2Normalize(param(p, 'quantize.embedding.weight'));
  return tf
    .gather(e, codes.flatten())
    .reshape([codes.shape[0], codes.shape[1], e.shape[1] as number]) as tf.Tensor3D;
}

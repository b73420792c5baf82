/**
 * The set tokenizer's encoder as an ONNX graph: `tokenizer.encode` of `set_tokenizer/model.py` —
 * the TiTok ViT encoder (`blocks.py`, `Encoder`) and the quantizer (`quantizer.py`,
 * `VectorQuantizer.forward`).
 */

import { Graph, int, ints } from '@tokenset/onnx-graph';
import type { Float32StateDict } from '@tokenset/tensor-io';
import { parameter, tokenizerConfig } from './config.js';
import { attentionOf, type ExportOptions } from './export-options.js';
import { affine, expandOverBatch, l2Normalize, reshape, sliceTokens, transpose } from './graph-helpers.js';
import { layerNormFrom, transformer } from './vit.js';

/**
 * Builds the encoder graph from a tokenizer state dict (every size read from the weights).
 *
 * Input `image`: float32 `[batch, 3, S, S]` in [-1, 1] (the reference's normalised tensor).
 * Outputs `latent`: float32 `[batch, tokenSize, 1, M]`, the encoder output before quantisation;
 * `codes`: int64 `[batch, M]`, the nearest codebook entries.
 *
 * @param stateDict - the tokenizer's parameters (`encoder.*`, `latent_tokens`, `quantize.*`).
 * @param options - heads and attention kernel.
 * @returns the ONNX model's bytes.
 *
 * @example
 * ```ts
 * const session = await ModelSession.create(exportTokenizerEncoder(stateDict));
 * ```
 */
export function exportTokenizerEncoder(stateDict: Float32StateDict, options: ExportOptions = {}): Uint8Array {
  return buildTokenizerEncoder(stateDict, options).toBytes();
}

/** The encoder as a {@link Graph} (see {@link exportTokenizerEncoder}). */
export function buildTokenizerEncoder(sd: Float32StateDict, options: ExportOptions = {}): Graph {
  const c = tokenizerConfig(sd, options.numHeads);
  const vit = { width: c.width, heads: c.heads, attention: attentionOf(options) };
  const { width: w, gridSize: grid, patchSize: p, numLatentTokens: m, tokenSize: t, codebookSize: n } = c;
  const g = new Graph({ name: 'set_tokenizer_encoder' });
  const image = g.input('image', 'float32', ['batch', 3, c.imageSize, c.imageSize]);

  // tokenizer.encode: the [-1, 1] image back to [0, 1].
  let x = affine(g, image, 0.5, 0.5); // [B, 3, S, S]
  const patch = parameter(sd, 'encoder.patch_embed.weight', [w, 3, p, p]);
  x = g.op(
    'Conv',
    [
      x,
      g.constant(patch.data, patch.shape),
      g.constant(parameter(sd, 'encoder.patch_embed.bias', [w]).data, [w]),
    ],
    { kernel_shape: ints([p, p]), strides: ints([p, p]) },
  ); // [B, W, g, g]
  x = transpose(g, reshape(g, x, [0, w, grid * grid]), [0, 2, 1]); // [B, g², W]
  const cls = expandOverBatch(g, x, parameter(sd, 'encoder.class_embedding', [1, w]).data, 1, w); // [B, 1, W]
  x = g.op('Concat', [cls, x], { axis: int(1) }); // [B, g²+1, W]
  const pos = parameter(sd, 'encoder.positional_embedding', [grid * grid + 1, w]);
  x = g.op('Add', [x, g.constant(pos.data, pos.shape)]);
  const latentTokens = expandOverBatch(g, x, parameter(sd, 'latent_tokens', [m, w]).data, m, w); // [B, M, W]
  x = g.op('Concat', [x, latentTokens], { axis: int(1) }); // [B, g²+1+M, W]
  x = layerNormFrom(g, x, sd, 'encoder.ln_pre', w);
  x = transformer(g, x, sd, 'encoder.transformer', c.layers, vit);
  let z = sliceTokens(g, x, 1 + grid * grid, 1 + grid * grid + m); // [B, M, W]
  z = layerNormFrom(g, z, sd, 'encoder.ln_post', w);
  // TiTok's "fake 2D shape": a plain reshape of (B, M, W) to (B, W, M, 1) — not a transpose, so each
  // "channel" column mixes tokens and features. Kept: the released weights were trained through it.
  z = reshape(g, z, [0, w, m, 1]); // [B, W, M, 1]
  const conv = parameter(sd, 'encoder.conv_out.weight', [t, w, 1, 1]);
  z = g.op(
    'Conv',
    [z, g.constant(conv.data, conv.shape), g.constant(parameter(sd, 'encoder.conv_out.bias', [t]).data, [t])],
    {
      kernel_shape: ints([1, 1]),
    },
  ); // [B, T, M, 1]
  const latent = reshape(g, z, [0, t, 1, m]); // [B, T, 1, M]
  g.output(latent, 'latent', 'float32', ['batch', t, 1, m]);

  // VectorQuantizer.forward: (B, T, 1, M) → (B·M, T) rows, L2-normalised, against the L2-normalised
  // codebook; d = ‖z‖² + ‖e‖² − 2 z·e (the cosine-nearest entry), first index of the minimum.
  const rows = l2Normalize(g, transpose(g, reshape(g, latent, [0, t, m]), [0, 2, 1])); // [B, M, T]
  const codebook = l2Normalize(
    g,
    g.constant(parameter(sd, 'quantize.embedding.weight', [n, t]).data, [n, t]),
  ); // [C, T]
  const axes = g.constant(new BigInt64Array([-1n]), [1]);
  const zz = g.op('ReduceSumSquare', [rows, axes], { keepdims: int(1) }); // [B, M, 1]
  const ee = g.op('ReduceSumSquare', [codebook, axes], { keepdims: int(0) }); // [C]
  const dot = g.op('MatMul', [rows, transpose(g, codebook, [1, 0])]); // [B, M, C]
  const distance = g.op('Sub', [
    g.op('Add', [zz, ee]),
    g.op('Mul', [dot, g.constant(new Float32Array([2]), [])]),
  ]);
  const codes = g.op('ArgMin', [distance], { axis: int(-1), keepdims: int(0) });
  g.output(codes, 'codes', 'int64', ['batch', m]);
  return g;
}

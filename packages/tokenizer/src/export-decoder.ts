/**
 * The set tokenizer's decoder as an ONNX graph: `tokenizer.decode_code` of `set_tokenizer/model.py`
 * — codebook lookup (`quantizer.py`, `get_codebook_entry`), the TiTok ViT decoder (`blocks.py`,
 * `Decoder`) and the MaskGIT-VQGAN pixel decoder, then `2x − 1`.
 */

import { Graph, int, ints, linear } from '@tokenset/onnx-graph';
import type { Float32StateDict } from '@tokenset/tensor-io';
import { parameter, tokenizerConfig } from './config.js';
import { attentionOf, type ExportOptions } from './export-options.js';
import { affine, expandOverBatch, l2Normalize, reshape, sliceTokens, transpose } from './graph-helpers.js';
import { pixelDecoder } from './pixel-decoder.js';
import { layerNormFrom, transformer } from './vit.js';

/**
 * The decoder's query tokens, `cat([class_embedding, mask_token × g²]) + positional_embedding`: a
 * constant `[g²+1, W]`, computed once in float32 exactly as the reference adds them.
 */
export function decoderQueries(sd: Float32StateDict, width: number, grid: number): Float32Array {
  const cls = parameter(sd, 'decoder.class_embedding', [1, width]).data;
  const mask = parameter(sd, 'decoder.mask_token', [1, 1, width]).data;
  const pos = parameter(sd, 'decoder.positional_embedding', [grid * grid + 1, width]).data;
  const out = new Float32Array(pos.length);
  for (let i = 0; i < pos.length; i++) out[i] = (i < width ? cls[i] : mask[i % width]) + pos[i];
  return out;
}

/**
 * Builds the decoder graph from a tokenizer state dict (every size read from the weights).
 *
 * Input `tokens`: int32 `[batch, M]` codebook indices (any order: the decoder is order-invariant;
 * the reference's random shuffle of the latent tokens is therefore left out).
 * Output `decoded`: float32 `[batch, 3, S, S]`, the reference's `decode_code` output (about [-1, 1]).
 *
 * @param stateDict - the tokenizer's parameters (`decoder.*`, `quantize.*`, `pixel_decoder.*`).
 * @param options - heads and attention kernel.
 * @returns the ONNX model's bytes.
 *
 * @example
 * ```ts
 * const session = await ModelSession.create(exportTokenizerDecoder(stateDict));
 * ```
 */
export function exportTokenizerDecoder(stateDict: Float32StateDict, options: ExportOptions = {}): Uint8Array {
  return buildTokenizerDecoder(stateDict, options).toBytes();
}

/** The decoder as a {@link Graph} (see {@link exportTokenizerDecoder}). */
export function buildTokenizerDecoder(sd: Float32StateDict, options: ExportOptions = {}): Graph {
  const c = tokenizerConfig(sd, options.numHeads);
  const w = c.decoderWidth;
  const { gridSize: grid, numLatentTokens: m, tokenSize: t, codebookSize: n } = c;
  const vit = { width: w, heads: c.heads, attention: attentionOf(options) };
  const g = new Graph({ name: 'set_tokenizer_decoder' });
  const tokens = g.input('tokens', 'int32', ['batch', m]);

  // quantize.get_codebook_entry: rows of the codebook, L2-normalised.
  const codebook = g.constant(parameter(sd, 'quantize.embedding.weight', [n, t]).data, [n, t]);
  let x = l2Normalize(g, g.op('Gather', [codebook, tokens], { axis: int(0) })); // [B, M, T]
  const embed = parameter(sd, 'decoder.decoder_embed.weight', [w, t]);
  x = linear(g, x, embed, parameter(sd, 'decoder.decoder_embed.bias', [w])); // [B, M, W]
  const queries = expandOverBatch(g, x, decoderQueries(sd, w, grid), grid * grid + 1, w); // [B, g²+1, W]
  // The latent tokens follow the queries without position embedding (the reference shuffles them
  // first; attention without positions makes the result independent of their order).
  x = g.op('Concat', [queries, x], { axis: int(1) }); // [B, g²+1+M, W]
  x = layerNormFrom(g, x, sd, 'decoder.ln_pre', w);
  x = transformer(g, x, sd, 'decoder.transformer', c.decoderLayers, vit);
  x = sliceTokens(g, x, 1, 1 + grid * grid); // [B, g², W]: the mask-token outputs
  x = layerNormFrom(g, x, sd, 'decoder.ln_post', w);
  x = reshape(g, transpose(g, x, [0, 2, 1]), [0, w, grid, grid]); // [B, W, g, g]
  // ffn: 1×1 conv, tanh, 1×1 conv.
  const ffn0 = parameter(sd, 'decoder.ffn.0.weight', [undefined, w, 1, 1]);
  const hidden = ffn0.shape[0];
  x = g.op(
    'Conv',
    [
      x,
      g.constant(ffn0.data, ffn0.shape),
      g.constant(parameter(sd, 'decoder.ffn.0.bias', [hidden]).data, [hidden]),
    ],
    {
      kernel_shape: ints([1, 1]),
    },
  ); // [B, 2W, g, g]
  x = g.op('Tanh', [x]);
  const ffn2 = parameter(sd, 'decoder.ffn.2.weight', [undefined, hidden, 1, 1]);
  const z = ffn2.shape[0];
  x = g.op(
    'Conv',
    [x, g.constant(ffn2.data, ffn2.shape), g.constant(parameter(sd, 'decoder.ffn.2.bias', [z]).data, [z])],
    {
      kernel_shape: ints([1, 1]),
    },
  ); // [B, zChannels, g, g]
  x = pixelDecoder(g, x, sd); // [B, 3, S, S]
  const decoded = affine(g, x, 2, -1); // tokenizer.decode: 2 · x − 1
  g.output(decoded, 'decoded', 'float32', ['batch', c.pixelDecoder.outChannels, c.imageSize, c.imageSize]);
  return g;
}

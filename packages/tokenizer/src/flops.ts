import type { TokenizerConfig } from './config.js';

/** Floating-point operations of one image through each half of the tokenizer. */
export interface TokenizerFlops {
  /** Encoder, including the codebook search. */
  encoder: number;
  /** Decoder: codebook lookup, ViT decoder, pixel decoder. */
  decoder: number;
}

/** One transformer block over `tokens` tokens: projections, attention products and MLP. */
function blockFlops(tokens: number, width: number, mlpWidth: number): number {
  const projections = 2 * tokens * width * (3 * width + width); // in_proj, out_proj
  const attention = 2 * 2 * tokens * tokens * width; // q·kᵀ and weights·v over all heads
  const mlp = 2 * 2 * tokens * width * mlpWidth; // c_fc, c_proj
  return projections + attention + mlp;
}

/** A convolution: 2 · cout · cin · k² per output pixel. */
function convFlops(cin: number, cout: number, k: number, pixels: number): number {
  return 2 * cout * cin * k * k * pixels;
}

/**
 * Counts the multiply-adds of the matrix products and convolutions (× 2) of one image, from the
 * sizes: the figure benchmarks divide by. Normalisations, activations, softmax and additions
 * (well under 1% here) are not counted.
 *
 * @param c - the tokenizer's sizes ({@link tokenizerConfig}).
 * @returns FLOPs per image of the encoder and of the decoder (released model: 71.2 and 258.2 GFLOP).
 *
 * @example
 * ```ts
 * const { encoder, decoder } = tokenizerFlops(tokenizer.config);
 * ```
 */
export function tokenizerFlops(c: TokenizerConfig): TokenizerFlops {
  const g2 = c.gridSize * c.gridSize;
  const m = c.numLatentTokens;
  const tokens = g2 + 1 + m;
  let encoder = convFlops(3, c.width, c.patchSize, g2); // patch embedding
  encoder += c.layers * blockFlops(tokens, c.width, c.mlpWidth);
  encoder += 2 * m * c.width * c.tokenSize; // conv_out (1×1 over the reshaped latents)
  encoder += 2 * m * c.codebookSize * c.tokenSize; // distances to every codebook entry

  const w = c.decoderWidth;
  let decoder = 2 * m * c.tokenSize * w; // decoder_embed
  decoder += c.decoderLayers * blockFlops(tokens, w, c.mlpWidth);
  const p = c.pixelDecoder;
  decoder += convFlops(w, 2 * w, 1, g2) + convFlops(2 * w, p.zChannels, 1, g2); // ffn
  const levels = p.channelMult.length;
  const top = p.hiddenChannels * p.channelMult[levels - 1];
  let size = c.gridSize;
  const resnet = (cin: number, cout: number) =>
    convFlops(cin, cout, 3, size * size) +
    convFlops(cout, cout, 3, size * size) +
    (cin === cout ? 0 : convFlops(cout, cout, 1, size * size));
  decoder += convFlops(p.zChannels, top, 3, size * size); // conv_in
  for (let j = 0; j < p.numResBlocks; j++) decoder += resnet(top, top);
  for (let i = levels - 1; i >= 0; i--) {
    let cin = i === levels - 1 ? top : p.hiddenChannels * p.channelMult[i + 1];
    const cout = p.hiddenChannels * p.channelMult[i];
    for (let j = 0; j < p.numResBlocks; j++) {
      decoder += resnet(cin, cout);
      cin = cout;
    }
    if (i !== 0) {
      size *= 2;
      decoder += convFlops(cout, cout, 3, size * size); // upsample_conv
    }
  }
  decoder += convFlops(p.hiddenChannels * p.channelMult[0], p.outChannels, 3, size * size); // conv_out
  return { encoder, decoder };
}

/**
 * The sizes of a set tokenizer, read from its state dict (nothing is assumed but the number of
 * attention heads, which weights cannot tell), and the inverse: the parameter names and shapes of
 * a tokenizer of given sizes, in the reference's `state_dict()` order (`set_tokenizer/model.py`).
 */

import { type Float32StateDict, stateDictTensor } from '@tokenset/tensor-io';
import { TokenizerError } from './errors.js';

/** The sizes of the MaskGIT-VQGAN pixel decoder (`set_tokenizer/module/maskgit_vqgan.py`, `Decoder`). */
export interface PixelDecoderConfig {
  /** Channels of the ViT decoder's output map (`z_channels`; 256 in the release). */
  zChannels: number;
  /** Base channels (`hidden_channels`; 128 in the release). */
  hiddenChannels: number;
  /** Channel multiplier of each resolution level, finest first (`[1, 1, 2, 2, 4]` in the release). */
  channelMult: number[];
  /** ResnetBlocks per level and in the middle (`num_res_blocks`; 2 in the release). */
  numResBlocks: number;
  /** Output channels (`num_channels`; 3). */
  outChannels: number;
}

/** The sizes of a set tokenizer. */
export interface TokenizerConfig {
  /** Square image side in pixels (`crop_size`; 256 in the release). */
  imageSize: number;
  /** ViT patch size (16). */
  patchSize: number;
  /** Patches per side, `imageSize / patchSize` (16). */
  gridSize: number;
  /** ViT width of the encoder (768 for ViT-B). */
  width: number;
  /** Transformer blocks of the encoder (12). */
  layers: number;
  /** ViT width of the decoder (768). */
  decoderWidth: number;
  /** Transformer blocks of the decoder (12). */
  decoderLayers: number;
  /** MLP hidden size of the blocks (4 × width). */
  mlpWidth: number;
  /** Attention heads of both ViTs (12 for ViT-B). */
  heads: number;
  /** Tokens per image, the set size M (`num_latent_tokens`; 128). */
  numLatentTokens: number;
  /** Codebook entries C (`codebook_size`; 4096). */
  codebookSize: number;
  /** Dimension of a codebook vector (`token_size`; 12). */
  tokenSize: number;
  /** The pixel decoder. */
  pixelDecoder: PixelDecoderConfig;
}

/** The sizes {@link tokenizerShapes} needs; everything else follows from them. */
export interface TokenizerShapeOptions {
  /** Square image side (default 256). */
  imageSize?: number;
  /** Patch size (default 16). */
  patchSize?: number;
  /** ViT width of encoder and decoder (default 768). */
  width?: number;
  /** Blocks per ViT (default 12). */
  layers?: number;
  /** MLP ratio of the blocks (default 4). */
  mlpRatio?: number;
  /** Tokens per image (default 128). */
  numLatentTokens?: number;
  /** Codebook entries (default 4096). */
  codebookSize?: number;
  /** Codebook vector dimension (default 12). */
  tokenSize?: number;
  /** Pixel decoder sizes (default: the release's, `zChannels` 256, `hiddenChannels` 128, `[1,1,2,2,4]`, 2 blocks). */
  pixelDecoder?: Partial<PixelDecoderConfig>;
}

/** The released tokenizer's sizes (`set_tokenizer_128_4096.pth`). */
export const RELEASED_TOKENIZER: Readonly<Required<Omit<TokenizerShapeOptions, 'pixelDecoder'>>> & {
  pixelDecoder: Readonly<PixelDecoderConfig>;
} = {
  imageSize: 256,
  patchSize: 16,
  width: 768,
  layers: 12,
  mlpRatio: 4,
  numLatentTokens: 128,
  codebookSize: 4096,
  tokenSize: 12,
  pixelDecoder: {
    zChannels: 256,
    hiddenChannels: 128,
    channelMult: [1, 1, 2, 2, 4],
    numResBlocks: 2,
    outChannels: 3,
  },
};

/** One named parameter shape. */
export interface ParameterShape {
  name: string;
  shape: number[];
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name}: expected a positive integer, got ${value}`);
  return value;
}

function blockShapes(prefix: string, width: number, mlpWidth: number): ParameterShape[] {
  // ResidualAttentionBlock (blocks.py): ln_1, nn.MultiheadAttention (own params, then out_proj), ln_2, mlp.
  return [
    { name: `${prefix}.ln_1.weight`, shape: [width] },
    { name: `${prefix}.ln_1.bias`, shape: [width] },
    { name: `${prefix}.attn.in_proj_weight`, shape: [3 * width, width] },
    { name: `${prefix}.attn.in_proj_bias`, shape: [3 * width] },
    { name: `${prefix}.attn.out_proj.weight`, shape: [width, width] },
    { name: `${prefix}.attn.out_proj.bias`, shape: [width] },
    { name: `${prefix}.ln_2.weight`, shape: [width] },
    { name: `${prefix}.ln_2.bias`, shape: [width] },
    { name: `${prefix}.mlp.c_fc.weight`, shape: [mlpWidth, width] },
    { name: `${prefix}.mlp.c_fc.bias`, shape: [mlpWidth] },
    { name: `${prefix}.mlp.c_proj.weight`, shape: [width, mlpWidth] },
    { name: `${prefix}.mlp.c_proj.bias`, shape: [width] },
  ];
}

function resnetShapes(prefix: string, cin: number, cout: number): ParameterShape[] {
  // ResnetBlock (maskgit_vqgan.py): convs without bias; the 1×1 shortcut maps cout → cout because
  // the reference applies it to the block's output (see pixel-decoder.ts).
  const out: ParameterShape[] = [
    { name: `${prefix}.norm1.weight`, shape: [cin] },
    { name: `${prefix}.norm1.bias`, shape: [cin] },
    { name: `${prefix}.conv1.weight`, shape: [cout, cin, 3, 3] },
    { name: `${prefix}.norm2.weight`, shape: [cout] },
    { name: `${prefix}.norm2.bias`, shape: [cout] },
    { name: `${prefix}.conv2.weight`, shape: [cout, cout, 3, 3] },
  ];
  if (cin !== cout) out.push({ name: `${prefix}.nin_shortcut.weight`, shape: [cout, cout, 1, 1] });
  return out;
}

/**
 * The parameter names and shapes of a set tokenizer of the given sizes, in the order of the
 * reference's `state_dict()`. With no options: the released tokenizer (203,322,383 parameters).
 * Feed the result to `formulaStateDict` (@tokenset/formula-weights) to build a model by formula.
 *
 * @param options - the sizes; unspecified ones default to the release's.
 * @returns the ordered parameter list.
 *
 * @example
 * ```ts
 * const shapes = tokenizerShapes({ width: 64, layers: 2, imageSize: 64, numLatentTokens: 8, codebookSize: 64,
 *   pixelDecoder: { hiddenChannels: 32, zChannels: 64, channelMult: [1, 1, 2, 2, 2] } });
 * const tokenizer = await SetTokenizer.load(formulaStateDict(shapes), { numHeads: 1 });
 * ```
 */
export function tokenizerShapes(options: TokenizerShapeOptions = {}): ParameterShape[] {
  const o = { ...RELEASED_TOKENIZER, ...options };
  const p = { ...RELEASED_TOKENIZER.pixelDecoder, ...options.pixelDecoder };
  for (const key of [
    'imageSize',
    'patchSize',
    'width',
    'layers',
    'numLatentTokens',
    'codebookSize',
    'tokenSize',
  ] as const)
    positiveInteger(key, o[key]);
  for (const key of ['zChannels', 'hiddenChannels', 'numResBlocks', 'outChannels'] as const)
    positiveInteger(`pixelDecoder.${key}`, p[key]);
  if (o.imageSize % o.patchSize !== 0) {
    throw new RangeError(`imageSize: expected a multiple of patchSize ${o.patchSize}, got ${o.imageSize}`);
  }
  if (!Array.isArray(p.channelMult) || p.channelMult.length === 0) {
    throw new RangeError(
      `pixelDecoder.channelMult: expected a non-empty array, got ${JSON.stringify(p.channelMult)}`,
    );
  }
  for (const [i, m] of p.channelMult.entries()) positiveInteger(`pixelDecoder.channelMult[${i}]`, m);
  const grid = o.imageSize / o.patchSize;
  if (grid * 2 ** (p.channelMult.length - 1) !== o.imageSize) {
    throw new RangeError(
      `pixelDecoder.channelMult: expected ${Math.log2(o.patchSize) + 1} levels so that the pixel decoder upsamples ` +
        `the ${grid}x${grid} map to ${o.imageSize}x${o.imageSize}, got ${p.channelMult.length}`,
    );
  }
  const w = o.width;
  const mlp = positiveInteger('width * mlpRatio', Math.trunc(w * o.mlpRatio)); // int(d_model * mlp_ratio)
  const tokens = grid * grid + 1;
  const shapes: ParameterShape[] = [{ name: 'latent_tokens', shape: [o.numLatentTokens, w] }];
  // Encoder (blocks.py): own parameters first, then submodules in registration order.
  shapes.push(
    { name: 'encoder.class_embedding', shape: [1, w] },
    { name: 'encoder.positional_embedding', shape: [tokens, w] },
    { name: 'encoder.patch_embed.weight', shape: [w, 3, o.patchSize, o.patchSize] },
    { name: 'encoder.patch_embed.bias', shape: [w] },
    { name: 'encoder.ln_pre.weight', shape: [w] },
    { name: 'encoder.ln_pre.bias', shape: [w] },
  );
  for (let i = 0; i < o.layers; i++) shapes.push(...blockShapes(`encoder.transformer.${i}`, w, mlp));
  shapes.push(
    { name: 'encoder.ln_post.weight', shape: [w] },
    { name: 'encoder.ln_post.bias', shape: [w] },
    { name: 'encoder.conv_out.weight', shape: [o.tokenSize, w, 1, 1] },
    { name: 'encoder.conv_out.bias', shape: [o.tokenSize] },
    { name: 'decoder.class_embedding', shape: [1, w] },
    { name: 'decoder.positional_embedding', shape: [tokens, w] },
    { name: 'decoder.mask_token', shape: [1, 1, w] },
    { name: 'decoder.decoder_embed.weight', shape: [w, o.tokenSize] },
    { name: 'decoder.decoder_embed.bias', shape: [w] },
    { name: 'decoder.ln_pre.weight', shape: [w] },
    { name: 'decoder.ln_pre.bias', shape: [w] },
  );
  for (let i = 0; i < o.layers; i++) shapes.push(...blockShapes(`decoder.transformer.${i}`, w, mlp));
  shapes.push(
    { name: 'decoder.ln_post.weight', shape: [w] },
    { name: 'decoder.ln_post.bias', shape: [w] },
    { name: 'decoder.ffn.0.weight', shape: [2 * w, w, 1, 1] },
    { name: 'decoder.ffn.0.bias', shape: [2 * w] },
    { name: 'decoder.ffn.2.weight', shape: [p.zChannels, 2 * w, 1, 1] },
    { name: 'decoder.ffn.2.bias', shape: [p.zChannels] },
    { name: 'quantize.embedding.weight', shape: [o.codebookSize, o.tokenSize] },
  );
  // Pixel decoder (maskgit_vqgan.py Decoder): conv_in, mid, up.0 … up.n-1 (in index order), norm_out, conv_out.
  const h = p.hiddenChannels;
  const mult = p.channelMult;
  const levels = mult.length;
  const top = h * mult[levels - 1];
  shapes.push(
    { name: 'pixel_decoder.conv_in.weight', shape: [top, p.zChannels, 3, 3] },
    { name: 'pixel_decoder.conv_in.bias', shape: [top] },
  );
  for (let j = 0; j < p.numResBlocks; j++) shapes.push(...resnetShapes(`pixel_decoder.mid.${j}`, top, top));
  for (let i = 0; i < levels; i++) {
    let cin = i === levels - 1 ? top : h * mult[i + 1];
    const cout = h * mult[i];
    for (let j = 0; j < p.numResBlocks; j++) {
      shapes.push(...resnetShapes(`pixel_decoder.up.${i}.block.${j}`, cin, cout));
      cin = cout;
    }
    if (i !== 0) {
      shapes.push(
        { name: `pixel_decoder.up.${i}.upsample_conv.weight`, shape: [cout, cout, 3, 3] },
        { name: `pixel_decoder.up.${i}.upsample_conv.bias`, shape: [cout] },
      );
    }
  }
  shapes.push(
    { name: 'pixel_decoder.norm_out.weight', shape: [h * mult[0]] },
    { name: 'pixel_decoder.norm_out.bias', shape: [h * mult[0]] },
    { name: 'pixel_decoder.conv_out.weight', shape: [p.outChannels, h * mult[0], 3, 3] },
    { name: 'pixel_decoder.conv_out.bias', shape: [p.outChannels] },
  );
  return shapes;
}

/** Reads a parameter and checks its rank (and, where given, its exact shape). */
export function parameter(
  stateDict: Float32StateDict,
  name: string,
  shape?: readonly (number | undefined)[],
): { shape: number[]; data: Float32Array } {
  return stateDictTensor(stateDict, name, shape, { error: TokenizerError, model: 'the set tokenizer' });
}

/** How many consecutive `${prefix}${i}.` groups (i = 0, 1, …) the state dict holds. */
export function countIndexed(stateDict: Float32StateDict, prefix: string): number {
  let n = 0;
  const has = (i: number) => {
    const p = `${prefix}${i}.`;
    for (const key of stateDict.keys()) if (key.startsWith(p)) return true;
    return false;
  };
  while (has(n)) n++;
  return n;
}

/**
 * Reads every size of a set tokenizer from its state dict and checks that the parameters fit
 * together. Only the number of heads cannot be read from weights: it defaults to `width / 64`
 * (12 for the released ViT-B, width 768).
 *
 * @param stateDict - the tokenizer's parameters under the reference's names.
 * @param numHeads - attention heads (default `width / 64`).
 * @returns the sizes.
 * @throws {@link TokenizerError} when a parameter is missing or does not fit.
 *
 * @example
 * ```ts
 * const config = tokenizerConfig(stateDict); // { imageSize: 256, numLatentTokens: 128, codebookSize: 4096, ... }
 * ```
 */
export function tokenizerConfig(stateDict: Float32StateDict, numHeads?: number): TokenizerConfig {
  if (!(stateDict instanceof Map)) {
    throw new TypeError(`stateDict: expected a Map of name → {shape, data}, got ${typeof stateDict}`);
  }
  const patch = parameter(stateDict, 'encoder.patch_embed.weight', [undefined, 3, undefined, undefined]);
  const width = patch.shape[0];
  const patchSize = patch.shape[2];
  if (patch.shape[3] !== patchSize) {
    throw new TokenizerError(
      `state dict: expected a square patch in 'encoder.patch_embed.weight', got [${patch.shape}]`,
    );
  }
  const pos = parameter(stateDict, 'encoder.positional_embedding', [undefined, width]);
  const gridSize = Math.round(Math.sqrt(pos.shape[0] - 1));
  if (gridSize * gridSize + 1 !== pos.shape[0]) {
    throw new TokenizerError(
      `state dict: expected 'encoder.positional_embedding' to have grid² + 1 rows, got ${pos.shape[0]}`,
    );
  }
  const latent = parameter(stateDict, 'latent_tokens', [undefined, width]);
  const conv = parameter(stateDict, 'encoder.conv_out.weight', [undefined, width, 1, 1]);
  const codebook = parameter(stateDict, 'quantize.embedding.weight', [undefined, conv.shape[0]]);
  const layers = countIndexed(stateDict, 'encoder.transformer.');
  const decoderLayers = countIndexed(stateDict, 'decoder.transformer.');
  if (layers === 0 || decoderLayers === 0) {
    throw new TokenizerError(
      `state dict: expected 'encoder.transformer.0.*' and 'decoder.transformer.0.*' blocks, got ${layers} and ${decoderLayers}`,
    );
  }
  const mlpWidth = parameter(stateDict, 'encoder.transformer.0.mlp.c_fc.weight', [undefined, width]).shape[0];
  const decoderWidth = parameter(stateDict, 'decoder.decoder_embed.weight', [undefined, conv.shape[0]])
    .shape[0];
  const heads = numHeads ?? width / 64;
  if (!Number.isInteger(heads) || heads < 1 || width % heads !== 0 || decoderWidth % heads !== 0) {
    throw new RangeError(
      numHeads === undefined
        ? `numHeads: the width ${width} is not a multiple of 64, so the number of heads must be given, got none`
        : `numHeads: expected a positive divisor of the width ${width} (and ${decoderWidth}), got ${numHeads}`,
    );
  }
  // Pixel decoder levels: up.0 (finest) … up.n-1; channel multipliers relative to up.0's output.
  const levels = countIndexed(stateDict, 'pixel_decoder.up.');
  const numResBlocks = countIndexed(stateDict, 'pixel_decoder.mid.');
  if (levels === 0 || numResBlocks === 0) {
    throw new TokenizerError(
      `state dict: expected 'pixel_decoder.up.0.*' and 'pixel_decoder.mid.0.*', got ${levels} levels and ${numResBlocks} mid blocks`,
    );
  }
  const outChannelsOf = (i: number) =>
    parameter(stateDict, `pixel_decoder.up.${i}.block.0.conv1.weight`, [undefined, undefined, 3, 3]).shape[0];
  const hiddenChannels = outChannelsOf(0);
  const channelMult = Array.from({ length: levels }, (_, i) => outChannelsOf(i) / hiddenChannels);
  const convIn = parameter(stateDict, 'pixel_decoder.conv_in.weight', [undefined, undefined, 3, 3]);
  const convOut = parameter(stateDict, 'pixel_decoder.conv_out.weight', [undefined, hiddenChannels, 3, 3]);
  const imageSize = gridSize * 2 ** (levels - 1);
  if (imageSize !== gridSize * patchSize) {
    throw new TokenizerError(
      `state dict: expected the pixel decoder to upsample the ${gridSize}x${gridSize} map to the encoder's ` +
        `${gridSize * patchSize}x${gridSize * patchSize} images, got ${levels - 1} upsamplings (${imageSize}x${imageSize})`,
    );
  }
  return {
    imageSize,
    patchSize,
    gridSize,
    width,
    layers,
    decoderWidth,
    decoderLayers,
    mlpWidth,
    heads,
    numLatentTokens: latent.shape[0],
    codebookSize: codebook.shape[0],
    tokenSize: conv.shape[0],
    pixelDecoder: {
      zChannels: convIn.shape[1],
      hiddenChannels,
      channelMult,
      numResBlocks,
      outChannels: convOut.shape[0],
    },
  };
}

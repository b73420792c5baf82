/**
 * MaskGIT-VQGAN's pixel decoder as the reference ships it (`set_tokenizer/module/maskgit_vqgan.py`,
 * `Decoder`): 'same'-padded convolutions, GroupNorm(32 groups, eps 1e-6), SiLU, nearest 2×
 * upsampling. Every size is read from the state dict.
 */

import { float, type Graph, ints, silu, str, type Value } from '@tokenset/onnx-graph';
import type { Float32StateDict } from '@tokenset/tensor-io';
import { countIndexed, parameter } from './config.js';
import { TokenizerError } from './errors.js';

/** Groups of every GroupNorm in the pixel decoder. */
export const GROUP_NORM_GROUPS = 32;
/** Epsilon of every GroupNorm in the pixel decoder. */
export const GROUP_NORM_EPS = 1e-6;

/**
 * `Conv2dSame` (stride 1): a square `k`×`k` convolution padded by `(k-1)/2` on each side (the
 * reference pads `k-1` in total, the extra pixel of an even kernel at the end).
 */
export function convSame(g: Graph, x: Value, sd: Float32StateDict, prefix: string, bias: boolean): Value {
  const w = parameter(sd, `${prefix}.weight`, [undefined, undefined, undefined, undefined]);
  const [cout, , kh, kw] = w.shape;
  if (kh !== kw)
    throw new TokenizerError(`state dict: expected a square kernel in '${prefix}.weight', got [${w.shape}]`);
  const total = kh - 1;
  const pads = [total >> 1, total >> 1, total - (total >> 1), total - (total >> 1)];
  const inputs = [x, g.constant(w.data, w.shape)];
  if (bias) inputs.push(g.constant(parameter(sd, `${prefix}.bias`, [cout]).data, [cout]));
  return g.op('Conv', inputs, { kernel_shape: ints([kh, kw]), pads: ints(pads) });
}

/**
 * `nn.GroupNorm(32, C, eps=1e-6)` on `[B, C, H, W]`: the channels are viewed as 32 groups, each
 * normalised over its channels and pixels (InstanceNormalization on `[B, 32, C/32·H·W]`), then the
 * per-channel affine transform.
 */
export function groupNorm(g: Graph, x: Value, sd: Float32StateDict, prefix: string): Value {
  const scale = parameter(sd, `${prefix}.weight`, [undefined]);
  const channels = scale.shape[0];
  if (channels % GROUP_NORM_GROUPS !== 0) {
    throw new TokenizerError(
      `state dict: expected a multiple of ${GROUP_NORM_GROUPS} channels in '${prefix}.weight' (GroupNorm), got ${channels}`,
    );
  }
  const bias = parameter(sd, `${prefix}.bias`, [channels]);
  const grouped = g.op('Reshape', [
    x,
    g.constant(new BigInt64Array([0n, BigInt(GROUP_NORM_GROUPS), -1n]), [3]),
  ]);
  const normed = g.op(
    'InstanceNormalization',
    [
      grouped,
      g.constant(new Float32Array(GROUP_NORM_GROUPS).fill(1), [GROUP_NORM_GROUPS]),
      g.constant(new Float32Array(GROUP_NORM_GROUPS), [GROUP_NORM_GROUPS]),
    ],
    { epsilon: float(GROUP_NORM_EPS) },
  ); // [B, 32, C/32·H·W]
  const back = g.op('Reshape', [normed, g.op('Shape', [x])]); // [B, C, H, W]
  const scaled = g.op('Mul', [back, g.constant(scale.data, [channels, 1, 1])]);
  return g.op('Add', [scaled, g.constant(bias.data, [channels, 1, 1])]);
}

/**
 * `ResnetBlock.forward`. The reference quirk is kept: when the channel count changes, the 1×1
 * `nin_shortcut` is applied to the block's *output* (`residual = nin_shortcut(hidden_states)`), not
 * to its input, and the input is dropped — so the block returns `h + nin_shortcut(h)`. The released
 * weights were trained this way (the shortcut's shape, out × out, only fits the output).
 */
export function resnetBlock(g: Graph, x: Value, sd: Float32StateDict, prefix: string): Value {
  const cin = parameter(sd, `${prefix}.norm1.weight`, [undefined]).shape[0];
  const cout = parameter(sd, `${prefix}.conv1.weight`, [undefined, cin, 3, 3]).shape[0];
  let h = convSame(g, silu(g, groupNorm(g, x, sd, `${prefix}.norm1`)), sd, `${prefix}.conv1`, false); // [B, cout, H, W]
  h = convSame(g, silu(g, groupNorm(g, h, sd, `${prefix}.norm2`)), sd, `${prefix}.conv2`, false); // [B, cout, H, W]
  if (cin === cout) return g.op('Add', [h, x]);
  parameter(sd, `${prefix}.nin_shortcut.weight`, [cout, cout, 1, 1]);
  return g.op('Add', [h, convSame(g, h, sd, `${prefix}.nin_shortcut`, false)]);
}

/** `F.interpolate(x, scale_factor=2, mode='nearest')`: every pixel repeated 2×2. */
export function upsampleNearest2x(g: Graph, x: Value): Value {
  const scales = g.constant(new Float32Array([1, 1, 2, 2]), [4]);
  return g.op('Resize', [x, undefined, scales], {
    mode: str('nearest'),
    coordinate_transformation_mode: str('asymmetric'),
    nearest_mode: str('floor'),
  });
}

/**
 * `Decoder.forward` of the pixel decoder: `[B, zChannels, g, g]` → `[B, 3, g·2^(n-1), g·2^(n-1)]`
 * (n levels). Levels run from the coarsest (`up.{n-1}`) to the finest (`up.0`); every level but
 * `up.0` ends with a nearest 2× upsampling and a 3×3 convolution.
 */
export function pixelDecoder(g: Graph, z: Value, sd: Float32StateDict, prefix = 'pixel_decoder'): Value {
  let h = convSame(g, z, sd, `${prefix}.conv_in`, true);
  const mid = countIndexed(sd, `${prefix}.mid.`);
  for (let j = 0; j < mid; j++) h = resnetBlock(g, h, sd, `${prefix}.mid.${j}`);
  const levels = countIndexed(sd, `${prefix}.up.`);
  for (let i = levels - 1; i >= 0; i--) {
    const blocks = countIndexed(sd, `${prefix}.up.${i}.block.`);
    for (let j = 0; j < blocks; j++) h = resnetBlock(g, h, sd, `${prefix}.up.${i}.block.${j}`);
    if (i !== 0) h = convSame(g, upsampleNearest2x(g, h), sd, `${prefix}.up.${i}.upsample_conv`, true);
  }
  h = silu(g, groupNorm(g, h, sd, `${prefix}.norm_out`));
  return convSame(g, h, sd, `${prefix}.conv_out`, true);
}

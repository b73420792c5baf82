/**
 * The transformer shared by the tokenizer's encoder and decoder: TiTok's `ResidualAttentionBlock`
 * (`set_tokenizer/module/blocks.py`) — pre-norm blocks with `nn.MultiheadAttention` weights
 * (`in_proj_weight`, `out_proj`) and an MLP with exact (erf) GELU; LayerNorm eps 1e-5.
 */

import {
  type AttentionImplementation,
  type Graph,
  gelu,
  int,
  layerNorm,
  linear,
  multiHeadAttention,
  type Value,
} from '@tokenset/onnx-graph';
import type { Float32StateDict } from '@tokenset/tensor-io';
import { parameter } from './config.js';

/** `torch.nn.LayerNorm`'s default epsilon, used by every LayerNorm of the tokenizer. */
export const LAYER_NORM_EPS = 1e-5;

/** How a transformer is built. */
export interface TransformerOptions {
  /** Model width. */
  width: number;
  /** Attention heads. */
  heads: number;
  /** Attention kernel: onnxruntime's fused `MultiHeadAttention` or plain ONNX ops. */
  attention: AttentionImplementation;
}

/** `nn.LayerNorm(width)` with the state dict's `${prefix}.weight` / `${prefix}.bias`. */
export function layerNormFrom(
  g: Graph,
  x: Value,
  sd: Float32StateDict,
  prefix: string,
  width: number,
): Value {
  return layerNorm(g, x, {
    size: width,
    epsilon: LAYER_NORM_EPS,
    scale: parameter(sd, `${prefix}.weight`, [width]).data,
    bias: parameter(sd, `${prefix}.bias`, [width]).data,
  });
}

/**
 * `nn.MultiheadAttention(x, x, x)` (batch-first here; the reference's sequence-first layout is the
 * same computation): one `in_proj` matmul split into q, k, v, scaled dot-product attention per
 * head (q divided by √head_dim before q·kᵀ, as PyTorch 1.13), `out_proj`.
 */
function selfAttention(
  g: Graph,
  x: Value,
  sd: Float32StateDict,
  prefix: string,
  o: TransformerOptions,
): Value {
  const w = o.width;
  const qkv = linear(
    g,
    x,
    parameter(sd, `${prefix}.in_proj_weight`, [3 * w, w]),
    parameter(sd, `${prefix}.in_proj_bias`, [3 * w]),
  ); // [B, L, 3W]
  const sizes = g.constant(new BigInt64Array([BigInt(w), BigInt(w), BigInt(w)]), [3]);
  const [q, k, v] = g.opN('Split', [qkv, sizes], 3, { axis: int(-1) }); // 3 × [B, L, W]
  const attended = multiHeadAttention(g, {
    query: q,
    key: k,
    value: v,
    numHeads: o.heads,
    hiddenSize: w,
    implementation: o.attention,
    scale: 1 / Math.sqrt(w / o.heads),
    queryScaling: 'divide', // q / √D before q·kᵀ, as PyTorch 1.13
  }); // [B, L, W]
  return linear(
    g,
    attended,
    parameter(sd, `${prefix}.out_proj.weight`, [w, w]),
    parameter(sd, `${prefix}.out_proj.bias`, [w]),
  ); // [B, L, W]
}

/** `ResidualAttentionBlock.forward`: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export function residualAttentionBlock(
  g: Graph,
  x: Value,
  sd: Float32StateDict,
  prefix: string,
  o: TransformerOptions,
): Value {
  const w = o.width;
  x = g.op('Add', [
    x,
    selfAttention(g, layerNormFrom(g, x, sd, `${prefix}.ln_1`, w), sd, `${prefix}.attn`, o),
  ]);
  const fc = parameter(sd, `${prefix}.mlp.c_fc.weight`, [undefined, w]);
  const hidden = fc.shape[0];
  let h = layerNormFrom(g, x, sd, `${prefix}.ln_2`, w); // [B, L, W]
  h = linear(g, h, fc, parameter(sd, `${prefix}.mlp.c_fc.bias`, [hidden])); // [B, L, 4W]
  h = gelu(g, h, 'none'); // nn.GELU() is the exact erf form
  h = linear(
    g,
    h,
    parameter(sd, `${prefix}.mlp.c_proj.weight`, [w, hidden]),
    parameter(sd, `${prefix}.mlp.c_proj.bias`, [w]),
  );
  return g.op('Add', [x, h]); // [B, L, W]
}

/** `layers` blocks `${prefix}.0` … in order. */
export function transformer(
  g: Graph,
  x: Value,
  sd: Float32StateDict,
  prefix: string,
  layers: number,
  o: TransformerOptions,
): Value {
  for (let i = 0; i < layers; i++) x = residualAttentionBlock(g, x, sd, `${prefix}.${i}`, o);
  return x;
}

import { float, int, ints } from './attribute.js';
import { toFloat16Bits } from './float16.js';
import type { Graph, Value } from './graph.js';

/** How attention is computed. */
export type AttentionImplementation = 'fused' | 'standard';

/** Every attention implementation, in the order error messages list them. */
export const ATTENTION_IMPLEMENTATIONS: readonly AttentionImplementation[] = ['fused', 'standard'];

/** Options of {@link multiHeadAttention}. */
export interface AttentionOptions {
  /** `[B, S, D]` queries (already projected). */
  query: Value;
  /** `[B, L, D]` keys. */
  key: Value;
  /** `[B, L, D]` values. */
  value: Value;
  /** Number of heads; `hiddenSize` must be a multiple of it. */
  numHeads: number;
  /** `D`, the model width. */
  hiddenSize: number;
  /**
   * `'fused'` (default): onnxruntime's `com.microsoft.MultiHeadAttention` (flash-style kernels: no
   * `S×L` matrix per head is kept). `'standard'`: plain ONNX ops (MatMul, Softmax, MatMul).
   */
  implementation?: AttentionImplementation;
  /** Scale of the logits; default `1/sqrt(head size)` as in `torch.nn.functional.scaled_dot_product_attention`. */
  scale?: number;
  /** Precision of the inputs. Default float32. */
  dtype?: 'float32' | 'float16';
  /**
   * How the standard path scales: `'multiply'` (default) `q · scale`, as timm; `'divide'` `q / √(head
   * size)`, as PyTorch 1.13's `nn.MultiheadAttention` (the set tokenizer's blocks). The two differ
   * only in float rounding, and not at all when the head size is a power of 4.
   */
  queryScaling?: 'multiply' | 'divide';
}

/**
 * Multi-head scaled dot-product attention without masks (timm's `Attention` between its `qkv` and
 * `proj` layers): splits `D` into heads, `softmax(q kᵀ · scale) v` per head, joins the heads.
 * Returns `[B, S, D]`.
 */
export function multiHeadAttention(g: Graph, options: AttentionOptions): Value {
  const { numHeads, hiddenSize } = options;
  const implementation = options.implementation ?? 'fused';
  if (!ATTENTION_IMPLEMENTATIONS.includes(implementation)) {
    throw new RangeError(
      `attention implementation: expected one of ${ATTENTION_IMPLEMENTATIONS.map((s) => `'${s}'`).join(', ')}, got '${implementation}'`,
    );
  }
  if (
    !Number.isInteger(numHeads) ||
    numHeads < 1 ||
    !Number.isInteger(hiddenSize) ||
    hiddenSize % numHeads !== 0
  ) {
    throw new RangeError(
      `attention numHeads: expected a positive divisor of hiddenSize ${hiddenSize}, got ${numHeads}`,
    );
  }
  const headSize = hiddenSize / numHeads;
  const scale = options.scale ?? 1 / Math.sqrt(headSize);
  if (implementation === 'fused') {
    const attributes = {
      num_heads: int(numHeads),
      ...(options.scale === undefined ? {} : { scale: float(scale) }),
    };
    return g.op('MultiHeadAttention', [options.query, options.key, options.value], attributes, {
      domain: 'com.microsoft',
    });
  }
  const splitShape = g.constant(new BigInt64Array([0n, 0n, BigInt(numHeads), BigInt(headSize)]), [4]);
  const heads = (v: Value, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [v, splitShape])], { perm: ints(perm) });
  const scaleValue =
    options.dtype === 'float16'
      ? g.constant(new Uint16Array([toFloat16Bits(scale)]), [])
      : g.constant(new Float32Array([scale]), []);
  const q =
    options.queryScaling === 'divide'
      ? g.op('Div', [
          heads(options.query, [0, 2, 1, 3]),
          g.constant(new Float32Array([Math.sqrt(headSize)]), []),
        ])
      : g.op('Mul', [heads(options.query, [0, 2, 1, 3]), scaleValue]); // [B, N, S, H], scaled first as timm does
  const kT = heads(options.key, [0, 2, 3, 1]); // [B, N, H, L]
  const v = heads(options.value, [0, 2, 1, 3]); // [B, N, L, H]
  const weights = g.op('Softmax', [g.op('MatMul', [q, kT])], { axis: int(-1) }); // [B, N, S, L]
  const joined = g.op('Transpose', [g.op('MatMul', [weights, v])], { perm: ints([0, 2, 1, 3]) }); // [B, S, N, H]
  const mergeShape = g.constant(new BigInt64Array([0n, 0n, BigInt(hiddenSize)]), [3]);
  return g.op('Reshape', [joined, mergeShape]); // [B, S, D]
}

import { float as floatAttr, int } from './attribute.js';
import { float32ToFloat16 } from './float16.js';
import type { Graph, Value } from './graph.js';

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** The normalised (last) dimension. */
  size: number;
  /** Added to the variance, as `torch.nn.LayerNorm`'s `eps`. */
  epsilon: number;
  /** The affine scale (`weight`); ones when absent (`elementwise_affine=False`). */
  scale?: Float32Array;
  /** The affine shift; none when absent. */
  bias?: Float32Array;
  /** Precision of `x` and of the stored parameters. Default float32. */
  dtype?: 'float32' | 'float16';
}

/** `torch.nn.LayerNorm` over the last dimension of `x` (ONNX LayerNormalization, opset 17+). */
export function layerNorm(g: Graph, x: Value, options: LayerNormOptions): Value {
  const { size, epsilon } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`layerNorm size: expected a positive integer, got ${size}`);
  if (typeof epsilon !== 'number' || !(epsilon >= 0)) {
    throw new RangeError(`layerNorm epsilon: expected a non-negative number, got ${epsilon}`);
  }
  if (g.opset < 17) throw new RangeError(`layerNorm: expected a graph opset of at least 17, got ${g.opset}`);
  for (const [key, p] of [
    ['scale', options.scale],
    ['bias', options.bias],
  ] as const) {
    if (p !== undefined && p.length !== size) {
      throw new RangeError(`layerNorm ${key}: expected ${size} values, got ${p.length}`);
    }
  }
  const half = options.dtype === 'float16';
  const store = (d: Float32Array) => g.constant(half ? float32ToFloat16(d) : d, [size]);
  const scale = store(options.scale ?? new Float32Array(size).fill(1));
  const bias = options.bias === undefined ? undefined : store(options.bias);
  // stash_type 1: statistics in float32 even for float16 inputs, as PyTorch's autocast does.
  return g.op('LayerNormalization', [x, scale, bias], {
    axis: int(-1),
    epsilon: floatAttr(epsilon),
    stash_type: int(1),
  });
}

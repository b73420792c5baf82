import { checkShape } from './element-type.js';
import { float32ToFloat16 } from './float16.js';
import type { Graph, Value } from './graph.js';

/** A float32 parameter in PyTorch layout (a `Float32StateDict` entry). */
export interface Parameter {
  shape: number[];
  data: Float32Array;
}

/** Options of {@link linear}. */
export interface LinearOptions {
  /** Prefix of the initializer names (`<name>.weight`, `<name>.bias`); generated when absent. */
  name?: string;
  /** Precision of the stored weights and of the computation; `x` must already have it. Default float32. */
  dtype?: 'float32' | 'float16';
  /**
   * Store the transposed weight in `weight.data`'s own buffer (overwriting it) instead of a copy:
   * for exporters that own their state dict and must not hold the weights twice. Default false.
   */
  inPlace?: boolean;
}

/** Transposes a row-major `[rows, cols]` matrix. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  // Blocked so that both sides stay in cache for large matrices.
  const B = 64;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        const base = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = data[base + c];
      }
    }
  }
  return out;
}

/**
 * `y = x Wᵀ + b` like `torch.nn.Linear`: `x` is `[..., in]`, `weight` is `[out, in]` (PyTorch layout,
 * stored transposed as `[in, out]` for MatMul), `bias` is `[out]`.
 */
export function linear(
  g: Graph,
  x: Value,
  weight: Parameter,
  bias?: Parameter,
  options: LinearOptions | string = {},
): Value {
  const o = typeof options === 'string' ? { name: options } : options;
  if (weight.shape.length !== 2) {
    throw new RangeError(`linear weight: expected a 2-D [out, in] shape, got [${weight.shape.join(', ')}]`);
  }
  checkShape('linear weight', weight.shape, weight.data.length);
  const [out, inFeatures] = weight.shape;
  if (bias !== undefined) {
    checkShape('linear bias', bias.shape, bias.data.length);
    if (bias.data.length !== out)
      throw new RangeError(`linear bias: expected ${out} values, got ${bias.data.length}`);
  }
  const half = o.dtype === 'float16';
  let wt = transpose2d(weight.data, out, inFeatures);
  if (o.inPlace && !half) {
    weight.data.set(wt);
    wt = weight.data;
  }
  const w =
    o.name === undefined
      ? g.constant(half ? float32ToFloat16(wt) : wt, [inFeatures, out])
      : g.initializer(`${o.name}.weight`, half ? float32ToFloat16(wt) : wt, [inFeatures, out]);
  let y = g.op('MatMul', [x, w]);
  if (bias !== undefined) {
    const data = half ? float32ToFloat16(bias.data) : bias.data;
    const b = o.name === undefined ? g.constant(data, [out]) : g.initializer(`${o.name}.bias`, data, [out]);
    y = g.op('Add', [y, b]);
  }
  return y;
}

import { checkShape } from './element-type.js';
import type { Graph, Value } from './graph.js';
import type { Parameter } from './linear.js';

/** A weight matrix quantized to symmetric int8, one scale per output column. */
export interface QuantizedWeight {
  /** `[in, out]` int8 values (the transposed PyTorch weight), `round(w / scale)`, in [-127, 127]. */
  data: Int8Array;
  /** `[out]` float32 scales: `max |w|` of the column / 127 (1 for an all-zero column). */
  scales: Float32Array;
}

/**
 * Quantizes a PyTorch-layout `[out, in]` float32 weight to symmetric int8 per output column
 * (zero point 0), transposed to `[in, out]` for MatMul.
 */
export function quantizeWeightPerColumn(weight: Parameter): QuantizedWeight {
  if (weight.shape.length !== 2) {
    throw new RangeError(
      `quantized weight: expected a 2-D [out, in] shape, got [${weight.shape.join(', ')}]`,
    );
  }
  checkShape('quantized weight', weight.shape, weight.data.length);
  const [out, inFeatures] = weight.shape;
  const data = new Int8Array(out * inFeatures);
  const scales = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let max = 0;
    for (let i = 0; i < inFeatures; i++) max = Math.max(max, Math.abs(weight.data[o * inFeatures + i]));
    if (!Number.isFinite(max)) throw new RangeError(`quantized weight: row ${o} is not finite`);
    const scale = Math.fround(max > 0 ? max / 127 : 1);
    scales[o] = scale;
    for (let i = 0; i < inFeatures; i++)
      data[i * out + o] = Math.round(weight.data[o * inFeatures + i] / scale);
  }
  return { data, scales };
}

/**
 * `y = x Wᵀ + b` like `torch.nn.Linear`, with W quantized to int8 per output column at export and
 * the activations quantized per call by onnxruntime (`com.microsoft` DynamicQuantizeMatMul: uint8
 * activations, int8 weights, integer matrix product, float32 out). `x` is float32 `[..., in]`.
 */
export function quantizedLinear(
  g: Graph,
  x: Value,
  weight: Parameter,
  bias?: Parameter,
  name?: string,
): Value {
  const [out, inFeatures] = weight.shape;
  const { data, scales } = quantizeWeightPerColumn(weight);
  if (bias !== undefined && bias.data.length !== out) {
    throw new RangeError(`linear bias: expected ${out} values, got ${bias.data.length}`);
  }
  const named = (suffix: string, values: Int8Array | Float32Array, shape: number[]) =>
    name === undefined ? g.constant(values, shape) : g.initializer(`${name}.${suffix}`, values, shape);
  return g.op(
    'DynamicQuantizeMatMul',
    [
      x,
      named('weight_int8', data, [inFeatures, out]),
      named('weight_scale', scales, [out]),
      undefined,
      bias === undefined ? undefined : named('bias', bias.data, [out]),
    ],
    undefined,
    { domain: 'com.microsoft' },
  );
}

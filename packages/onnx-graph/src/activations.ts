import { int, str } from './attribute.js';
import type { Graph, Value } from './graph.js';

/** GELU variants: `'tanh'` is the tanh approximation, `'none'` the exact erf form (PyTorch's `approximate`). */
export type GeluApproximation = 'tanh' | 'none';

/**
 * `torch.nn.GELU(approximate)`: the ONNX Gelu operator (opset 20+), or onnxruntime's `FastGelu`
 * (tanh) / `Gelu` (erf) contrib operators for older opsets.
 */
export function gelu(g: Graph, x: Value, approximate: GeluApproximation): Value {
  if (approximate !== 'tanh' && approximate !== 'none') {
    throw new RangeError(`gelu approximate: expected 'tanh' or 'none', got '${approximate}'`);
  }
  if (g.opset >= 20) return g.op('Gelu', [x], { approximate: str(approximate) });
  return g.op(approximate === 'tanh' ? 'FastGelu' : 'Gelu', [x], {}, { domain: 'com.microsoft' });
}

/** `torch.nn.SiLU`: `x · sigmoid(x)`. */
export function silu(g: Graph, x: Value): Value {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

/** Softmax over `axis` (default the last). */
export function softmax(g: Graph, x: Value, axis = -1): Value {
  return g.op('Softmax', [x], { axis: int(axis) });
}

/** Small graph pieces shared by the encoder and decoder builders. */

import { type Graph, int, ints, type Value } from '@tokenset/onnx-graph';

/** `F.normalize(x, dim=-1)`: `x / max(‖x‖₂, 1e-12)` along the last axis. */
export function l2Normalize(g: Graph, x: Value): Value {
  const norm = g.op('ReduceL2', [x, g.constant(new BigInt64Array([-1n]), [1])], { keepdims: int(1) });
  const clamped = g.op('Max', [norm, g.constant(new Float32Array([1e-12]), [])]);
  return g.op('Div', [x, clamped]);
}

/** `token.unsqueeze(0).expand(B, -1, -1)`: a constant `[rows, width]` repeated over the batch of `like`. */
export function expandOverBatch(
  g: Graph,
  like: Value,
  data: Float32Array,
  rows: number,
  width: number,
): Value {
  const constant = g.constant(data, [1, rows, width]);
  const batch = g.op('Slice', [
    g.op('Shape', [like]),
    g.constant(new BigInt64Array([0n]), [1]),
    g.constant(new BigInt64Array([1n]), [1]),
  ]); // [1]: B
  const shape = g.op('Concat', [batch, g.constant(new BigInt64Array([BigInt(rows), BigInt(width)]), [2])], {
    axis: int(0),
  });
  return g.op('Expand', [constant, shape]); // [B, rows, width]
}

/** `x[:, start:end]` along axis 1. */
export function sliceTokens(g: Graph, x: Value, start: number, end: number): Value {
  return g.op('Slice', [
    x,
    g.constant(new BigInt64Array([BigInt(start)]), [1]),
    g.constant(new BigInt64Array([BigInt(end)]), [1]),
    g.constant(new BigInt64Array([1n]), [1]),
  ]);
}

/** `Reshape` to a fixed shape (0 copies the input's dimension, -1 is inferred). */
export function reshape(g: Graph, x: Value, shape: number[]): Value {
  return g.op('Reshape', [x, g.constant(new BigInt64Array(shape.map(BigInt)), [shape.length])]);
}

/** `Transpose` with a permutation. */
export function transpose(g: Graph, x: Value, perm: number[]): Value {
  return g.op('Transpose', [x], { perm: ints(perm) });
}

/** `a · x + b` with scalar float constants, as two ops (the reference's rounding). */
export function affine(g: Graph, x: Value, a: number, b: number): Value {
  const scaled = g.op('Mul', [x, g.constant(new Float32Array([a]), [])]);
  return g.op('Add', [scaled, g.constant(new Float32Array([b]), [])]);
}

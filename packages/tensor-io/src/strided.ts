import type { TypedArray } from './dtype.js';

/** Number of elements of `shape` (1 for `[]`). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides of `shape`, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Column-major (Fortran order) strides of `shape`, in elements. */
export function fortranStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = 0; i < shape.length; i++) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Whether a view of `shape` with `strides` is row-major contiguous (size-1 dims may have any stride). */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (shape[i] === 0) return true;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/**
 * The span of elements a view touches: the largest element index relative to its offset, plus one
 * (0 for an empty view). Strides are non-negative.
 */
export function viewExtent(shape: readonly number[], strides: readonly number[]): number {
  let last = 0;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return 0;
    last += (shape[i] - 1) * strides[i];
  }
  return last + 1;
}

/**
 * Copies the view (`offset`, `shape`, `strides`, in elements) of `src` into `dst` in row-major
 * order. `src` and `dst` are the same kind of typed array; `dst` holds the product of `shape`.
 */
export function stridedCopy<T extends TypedArray>(
  src: T,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  dst: T,
): void {
  const n = numelOf(shape);
  if (n === 0) return;
  const rank = shape.length;
  if (rank === 0) {
    (dst as Float64Array)[0] = (src as Float64Array)[offset];
    return;
  }
  const inner = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let pos = offset;
  const s = src as unknown as Float64Array;
  const d = dst as unknown as Float64Array;
  for (let out = 0; out < n; out += inner) {
    if (innerStride === 1) {
      d.set(s.subarray(pos, pos + inner), out);
    } else {
      for (let j = 0, p = pos; j < inner; j++, p += innerStride) d[out + j] = s[p];
    }
    // Advance the odometer over the outer dimensions.
    for (let k = rank - 2; k >= 0; k--) {
      index[k]++;
      pos += strides[k];
      if (index[k] < shape[k]) break;
      pos -= strides[k] * shape[k];
      index[k] = 0;
    }
  }
}

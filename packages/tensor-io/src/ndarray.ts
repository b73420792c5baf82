/**
 * Interop with the `ndarray` package (scijs) without importing it: its objects are recognised by
 * their shape (`data`, `shape`, `stride`, `offset`), and views are made with the caller's own
 * `ndarray` function, so `ndarray` stays an optional peer dependency.
 */
import type { DType, NdArray, TypedArray } from './dtype.js';
import { contiguousStrides, isContiguous, numelOf, stridedCopy } from './strided.js';

/** What an `ndarray` object carries: a flat store and a strided view of it (all in elements). */
export interface NdarrayLike<D = TypedArray> {
  /** The flat store the view reads from. */
  data: D;
  /** Dimensions of the view. */
  shape: readonly number[];
  /** Element step of each dimension (may be negative, as `ndarray`'s `step(-1)` makes). */
  stride: readonly number[];
  /** Index into `data` of the view's first element. */
  offset: number;
}

/**
 * An n-dimensional array kept in its stored layout: `data` is a flat store and the element at
 * index `[i, j, ...]` is `data[offset + i·strides[0] + j·strides[1] + ...]`. What
 * {@link viewNpy} and `TensorRef.readStrided` return, to be wrapped by {@link toNdarray} without a copy.
 */
export interface StridedArray {
  /** Element type of `data`. */
  dtype: DType;
  /** Dimensions; `[]` for a 0-d array. */
  shape: number[];
  /** Element step of each dimension (non-negative). */
  strides: number[];
  /** Index of the first element in `data`. */
  offset: number;
  /** The flat store. */
  data: TypedArray;
}

/**
 * The `ndarray` package's default export, or any function that makes a view from the same four
 * arguments.
 */
// biome-ignore lint/suspicious/noExplicitAny: @types/ndarray's generic `data` parameter accepts none of TypeScript 5.9's ArrayBufferLike-backed typed arrays; `any` lets `ndarray` itself be passed.
export type NdarrayFactory<R> = (data: any, shape: number[], stride: number[], offset: number) => R;

/**
 * Wraps an {@link NdArray} (row-major, from `readNpy`/`readNpz`) or a {@link StridedArray} (from
 * `viewNpy`, `TensorRef.readStrided`) as an `ndarray` view: the same `data` object (no copy), the
 * same shape, the strides and offset of its layout.
 *
 * @param factory - `ndarray` itself (`import ndarray from 'ndarray'`), passed in so that this
 *   package does not load it.
 * @example
 * ```ts
 * import ndarray from 'ndarray';
 * import { readNpy, toNdarray } from '@tokenset/tensor-io';
 *
 * const array = await readNpy('images.npy');       // { dtype: 'uint8', shape: [2, 256, 256, 3], data }
 * const view = toNdarray(array, ndarray);          // view.data === array.data
 * view.get(0, 10, 20, 1);                          // green value of pixel (10, 20) of image 0
 * ```
 */
export function toNdarray<R>(array: NdArray | StridedArray, factory: NdarrayFactory<R>): R {
  if (typeof factory !== 'function') {
    throw new TypeError(
      `factory: expected the ndarray function (import ndarray from 'ndarray'), got ${describe(factory)}`,
    );
  }
  if (typeof array !== 'object' || array === null || !ArrayBuffer.isView(array.data)) {
    throw new TypeError(`array: expected an NdArray or a StridedArray, got ${describe(array)}`);
  }
  const shape = [...array.shape];
  if ('strides' in array) return factory(array.data, shape, [...array.strides], array.offset);
  return factory(array.data, shape, contiguousStrides(shape), 0);
}

/** Whether `value` looks like an `ndarray` object (`data`, `shape`, `stride` and `offset`). */
export function isNdarrayLike(value: unknown): value is NdarrayLike<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<NdarrayLike<unknown>>;
  return (
    v.data !== undefined && Array.isArray(v.shape) && Array.isArray(v.stride) && typeof v.offset === 'number'
  );
}

/**
 * The row-major values of an `ndarray`-like view, with its shape. When the view already is the
 * row-major layout of its store, the result is a `subarray` of `data` (no copy); otherwise the
 * elements are gathered into a new array of the same kind.
 *
 * @param what - names the argument in error messages.
 * @throws TypeError when `view` is not ndarray-like or its data is not a typed array.
 * @throws RangeError when its shape, strides or offset are not integers or reach outside `data`.
 */
export function rowMajorOf<D extends TypedArray>(
  view: NdarrayLike<D>,
  what: string,
): { data: D; shape: number[] } {
  if (!isNdarrayLike(view) || !ArrayBuffer.isView(view.data) || view.data instanceof DataView) {
    throw new TypeError(
      `${what}: expected an ndarray {data: typed array, shape, stride, offset}, got ${describe(view)}`,
    );
  }
  const shape = [...view.shape];
  const stride = [...view.stride];
  const { offset, data } = view;
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || stride.length !== shape.length) {
    throw new RangeError(
      `${what}: expected non-negative integer dimensions and one stride each, got shape ${JSON.stringify(shape)} and stride ${JSON.stringify(stride)}`,
    );
  }
  if (stride.some((s) => !Number.isSafeInteger(s)) || !Number.isSafeInteger(offset)) {
    throw new RangeError(
      `${what}: expected integer strides and offset, got stride ${JSON.stringify(stride)}, offset ${offset}`,
    );
  }
  const n = numelOf(shape);
  if (n === 0) return { data: data.subarray(0, 0) as D, shape };
  let low = offset;
  let high = offset;
  for (let i = 0; i < shape.length; i++) {
    const reach = (shape[i] - 1) * stride[i];
    if (reach < 0) low += reach;
    else high += reach;
  }
  if (low < 0 || high >= data.length) {
    throw new RangeError(
      `${what}: expected a view inside its ${data.length} elements, got one reaching elements ${low}..${high}`,
    );
  }
  if (isContiguous(shape, stride)) return { data: data.subarray(offset, offset + n) as D, shape };
  const out = new (data.constructor as new (length: number) => D)(n);
  stridedCopy(data, offset, shape, stride, out);
  return { data: out, shape };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'an object';
}

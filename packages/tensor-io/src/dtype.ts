/** Element types that NumPy files and PyTorch checkpoints hold here. */
export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

/**
 * The typed arrays that hold tensor data. float16 and bfloat16 are `Uint16Array` of raw bits unless
 * widened; bool is `Uint8Array` of 0/1; uint64 is a `BigUint64Array`.
 */
export type TypedArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** An n-dimensional array: data always in C (row-major) order. */
export interface NdArray {
  /** Element type of `data`'s values (`float32` after widening half floats, `int32` after narrowing). */
  dtype: DType;
  /** Dimensions; `[]` for a 0-d (scalar) array. */
  shape: number[];
  /** Values in row-major order; length is the product of `shape`. */
  data: TypedArray;
}

/** How to return values read from a file. */
export interface ReadOptions {
  /** Widen float16 and bfloat16 to a `Float32Array` (dtype becomes `float32`). Default false: raw bits. */
  widenHalf?: boolean;
  /**
   * int64 as a `BigInt64Array` (`'bigint'`, the default) or an `Int32Array` (`'int32'`: dtype becomes
   * `int32`; a `RangeError` if any value does not fit).
   */
  int64?: 'bigint' | 'int32';
}

/** All dtypes, in a fixed order. */
export const DTYPES: readonly DType[] = [
  'float32',
  'float16',
  'bfloat16',
  'float64',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
];

/** Bytes per element of each dtype. */
export const ITEM_SIZE: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
};

type ArrayCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray };

const CTOR: Readonly<Record<DType, ArrayCtor>> = {
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

/** Whether `value` is one of the {@link DType} names. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(ITEM_SIZE, value);
}

/** A typed array of `dtype` over `bytes` (whose offset must be aligned to the item size). */
export function viewAs(dtype: DType, bytes: Uint8Array): TypedArray {
  const size = ITEM_SIZE[dtype];
  return new CTOR[dtype](bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
}

/** A new zeroed typed array of `dtype` with `length` elements. */
export function allocate(dtype: DType, length: number): TypedArray {
  return viewAs(dtype, new Uint8Array(length * ITEM_SIZE[dtype]));
}

/** Whether `data` is the typed array kind that raw `dtype` values live in. */
export function matchesDType(dtype: DType, data: TypedArray): boolean {
  return data instanceof CTOR[dtype];
}

/** The raw bytes of a typed array (a view, no copy). */
export function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Reverses the byte order of every `size`-byte element of `bytes`, in place. */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

let halfTable: Float32Array | undefined;

/** float32 values of all 65536 float16 bit patterns (built once, 256 KiB). */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    let v: number;
    if (exp === 0) v = sign * frac * 2 ** -24;
    else if (exp === 31) v = frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else v = sign * (1 + frac / 1024) * 2 ** (exp - 15);
    table[h] = v;
  }
  // NaNs keep their sign and payload (shifted into the top of the float32 mantissa), as torch's conversion does.
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    if (((h >> 10) & 0x1f) === 31 && (h & 0x3ff) !== 0) {
      bits[h] = ((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13);
    }
  }
  halfTable = table;
  return table;
}

/** float16 bit patterns widened exactly to float32. */
export function widenFloat16(bits: Uint16Array): Float32Array {
  const table = float16Table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/** bfloat16 bit patterns widened exactly to float32 (the top half of a float32). */
export function widenBfloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const u = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) u[i] = bits[i] << 16;
  return out;
}

/** int64 values narrowed to int32; `RangeError` naming `what` if one does not fit. */
export function narrowInt64(values: BigInt64Array, what: string): Int32Array {
  const out = new Int32Array(values.length);
  // Read the halves as int32 pairs: a value fits when its high word is the sign extension of its low word.
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    if (hi !== (lo < 0 ? -1 : 0)) {
      throw new RangeError(
        `${what}: int64 option 'int32': expected every value in [-2^31, 2^31), got ${values[i]} at index ${i}`,
      );
    }
    out[i] = lo;
  }
  return out;
}

/** Applies {@link ReadOptions} to raw row-major data of `dtype`. */
export function applyReadOptions(
  dtype: DType,
  data: TypedArray,
  options: ReadOptions | undefined,
  what: string,
): { dtype: DType; data: TypedArray } {
  checkReadOptions(options);
  if (options?.widenHalf) {
    if (dtype === 'float16') return { dtype: 'float32', data: widenFloat16(data as Uint16Array) };
    if (dtype === 'bfloat16') return { dtype: 'float32', data: widenBfloat16(data as Uint16Array) };
  }
  if (options?.int64 === 'int32' && dtype === 'int64') {
    return { dtype: 'int32', data: narrowInt64(data as BigInt64Array, what) };
  }
  return { dtype, data };
}

/** Validates a {@link ReadOptions} object. */
export function checkReadOptions(options: ReadOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options: expected an object, got ${options === null ? 'null' : typeof options}`);
  }
  if (options.int64 !== undefined && options.int64 !== 'bigint' && options.int64 !== 'int32') {
    throw new RangeError(`options.int64: expected 'bigint' or 'int32', got ${JSON.stringify(options.int64)}`);
  }
}

import { readFileBytes, writeFileBytes } from '#platform';
import {
  allocate,
  applyReadOptions,
  bytesOf,
  checkReadOptions,
  type DType,
  ITEM_SIZE,
  isDType,
  matchesDType,
  type NdArray,
  type ReadOptions,
  swapBytes,
  type TypedArray,
  viewAs,
} from './dtype.js';
import { NpyError } from './errors.js';
import type { StridedArray } from './ndarray.js';
import { parsePyLiteral } from './py-literal.js';
import { contiguousStrides, fortranStrides, numelOf, stridedCopy } from './strided.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** NumPy type codes (without byte order) of each dtype. bfloat16 is a 2-byte void, as ml_dtypes writes it. */
const CODE: Readonly<Record<DType, string>> = {
  float32: 'f4',
  float16: 'f2',
  bfloat16: 'V2',
  float64: 'f8',
  int64: 'i8',
  int32: 'i4',
  int16: 'i2',
  int8: 'i1',
  uint8: 'u1',
  uint16: 'u2',
  uint32: 'u4',
  uint64: 'u8',
  bool: 'b1',
};
const BY_CODE = new Map<string, DType>(Object.entries(CODE).map(([dtype, code]) => [code, dtype as DType]));

/** The descr string written for `dtype` (little endian; `|` for single bytes). */
export function descrOf(dtype: DType): string {
  return (ITEM_SIZE[dtype] === 1 ? '|' : '<') + CODE[dtype];
}

function parseDescr(descr: unknown): { dtype: DType; bigEndian: boolean } {
  if (typeof descr !== 'string' || descr.length < 2) {
    throw new NpyError(
      `npy header 'descr': expected a simple type string such as '<f4', got ${JSON.stringify(descr)} (structured dtypes are not supported)`,
    );
  }
  const order = descr[0];
  const code = '<>|='.includes(order) ? descr.slice(1) : descr;
  const dtype = BY_CODE.get(code);
  if (!dtype && /^c(8|16|32)$/.test(code)) {
    // A deliberate refusal: the NdArray contract is one real value per element.
    throw new NpyError(
      `npy header 'descr': expected a real dtype, got the complex ${JSON.stringify(descr)}; in NumPy, a.view(a.real.dtype) gives the interleaved (real, imaginary) pairs, which read here`,
    );
  }
  if (!dtype) {
    throw new NpyError(
      `npy header 'descr': expected one of ${[...BY_CODE.keys()].join(', ')} (with byte order), got ${JSON.stringify(descr)}`,
    );
  }
  return { dtype, bigEndian: order === '>' };
}

/** Checks a declared shape: non-negative safe integers whose element count fits in `maxElements`. */
function checkShape(shape: unknown, maxElements: number, fail: (msg: string) => never): number[] {
  if (!Array.isArray(shape))
    return fail(`'shape': expected a tuple of integers, got ${JSON.stringify(shape)}`);
  let numel = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      return fail(`'shape': expected non-negative integers, got ${JSON.stringify(shape)}`);
    }
  }
  if (shape.includes(0)) return shape as number[];
  for (const d of shape as number[]) {
    numel *= d;
    if (numel > maxElements) {
      return fail(
        `'shape' ${JSON.stringify(shape)} declares more elements than the ${maxElements} that the data bytes hold`,
      );
    }
  }
  return shape as number[];
}

/** What the header of a `.npy` file declares, and where its data starts. */
interface NpyHeader {
  dtype: DType;
  bigEndian: boolean;
  fortran: boolean;
  shape: number[];
  dataStart: number;
}

/** Parses and checks the magic and header of a `.npy` file (every size against the bytes present). */
function parseHeader(bytes: Uint8Array): NpyHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError(
      `npy: expected the magic "\\x93NUMPY" at byte 0, got a file that does not start with it`,
    );
  }
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = dv.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(`npy: expected at least 12 bytes, got ${bytes.length}`);
    headerStart = 12;
    headerLength = dv.getUint32(8, true);
  } else {
    throw new NpyError(`npy: expected format version 1, 2 or 3, got ${major}.${bytes[7]}`);
  }
  if (headerStart + headerLength > bytes.length) {
    throw new NpyError(
      `npy: header declares ${headerLength} bytes, but only ${bytes.length - headerStart} follow (truncated file?)`,
    );
  }
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLength);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  let header: unknown;
  try {
    header = parsePyLiteral(text.trim());
  } catch (error) {
    throw new NpyError(`npy header: ${(error as Error).message}`);
  }
  if (!(header instanceof Map))
    throw new NpyError(`npy header: expected a dict, got ${JSON.stringify(text)}`);
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!header.has(key))
      throw new NpyError(`npy header: expected the key '${key}', got ${JSON.stringify(text)}`);
  }
  const { dtype, bigEndian } = parseDescr(header.get('descr'));
  const fortran = header.get('fortran_order');
  if (typeof fortran !== 'boolean') {
    throw new NpyError(`npy header 'fortran_order': expected True or False, got ${JSON.stringify(fortran)}`);
  }
  const dataStart = headerStart + headerLength;
  const available = bytes.length - dataStart;
  const shape = checkShape(header.get('shape'), Math.floor(available / ITEM_SIZE[dtype]), (msg) => {
    throw new NpyError(`npy header ${msg}`);
  });
  return { dtype, bigEndian, fortran, shape, dataStart };
}

/**
 * Parses the bytes of a `.npy` file (format 1.0, 2.0 or 3.0; C or Fortran order; little or big
 * endian) into a row-major {@link NdArray}. The data is always copied: the result does not alias
 * `bytes` (see {@link viewNpy} for a view that does).
 *
 * @throws NpyError when the bytes are not a well-formed `.npy` of a supported dtype.
 * @throws RangeError when `options.int64` is `'int32'` and a value does not fit.
 */
export function parseNpy(bytes: Uint8Array, options?: ReadOptions): NdArray {
  checkReadOptions(options);
  const { dtype, bigEndian, fortran, shape, dataStart } = parseHeader(bytes);
  const item = ITEM_SIZE[dtype];
  const numel = numelOf(shape);
  // parseHeader bounded numel by the available bytes, so this allocation is at most the file's size.
  const raw = new Uint8Array(numel * item);
  raw.set(bytes.subarray(dataStart, dataStart + raw.length));
  if (bigEndian) swapBytes(raw, item);
  let data: TypedArray = viewAs(dtype, raw);
  if (fortran && shape.length > 1 && numel > 0) {
    const out = allocate(dtype, numel);
    stridedCopy(data, 0, shape, fortranStrides(shape), out);
    data = out;
  }
  const result = applyReadOptions(dtype, data, options, 'npy');
  return { dtype: result.dtype, shape, data: result.data };
}

/**
 * The array of a `.npy` file as a view of `bytes`, in the layout it is stored in (Fortran-order
 * files keep column-major strides): nothing is copied when the data is little endian and aligned
 * in memory for its type (NumPy pads the header to 64 bytes, so a file read into a fresh buffer
 * is). Big-endian or misaligned data is copied once, into native order. Half floats stay raw bits.
 * Wrap the result with {@link toNdarray} for an `ndarray`.
 *
 * @throws NpyError when the bytes are not a well-formed `.npy` of a supported dtype.
 * @example
 * ```ts
 * const view = viewNpy(new Uint8Array(await readFile('features.npy')));
 * view.data.buffer; // the file's bytes
 * ```
 */
export function viewNpy(bytes: Uint8Array): StridedArray {
  const { dtype, bigEndian, fortran, shape, dataStart } = parseHeader(bytes);
  const item = ITEM_SIZE[dtype];
  const length = numelOf(shape);
  let region = bytes.subarray(dataStart, dataStart + length * item);
  if (bigEndian || (bytes.byteOffset + dataStart) % item !== 0) {
    region = region.slice();
    if (bigEndian) swapBytes(region, item);
  }
  const strides = fortran ? fortranStrides(shape) : contiguousStrides(shape);
  return { dtype, shape, strides, offset: 0, data: viewAs(dtype, region) };
}

/** Reads a source that is a path or bytes. */
export async function loadSource(source: string | Uint8Array, param = 'source'): Promise<Uint8Array> {
  if (typeof source === 'string') return readFileBytes(source);
  if (source instanceof Uint8Array) return source;
  throw new TypeError(
    `${param}: expected a file path or a Uint8Array, got ${source === null ? 'null' : typeof source}`,
  );
}

/**
 * Reads a `.npy` file from a path, or parses its bytes. See {@link parseNpy}.
 *
 * @example
 * ```ts
 * const { dtype, shape, data } = await readNpy('features.npy');
 * ```
 */
export async function readNpy(source: string | Uint8Array, options?: ReadOptions): Promise<NdArray> {
  return parseNpy(await loadSource(source), options);
}

/** Checks that `array` is a consistent {@link NdArray}; `what` names it in messages. */
export function checkNdArray(array: NdArray, what: string): void {
  if (typeof array !== 'object' || array === null) {
    throw new TypeError(`${what}: expected an NdArray {dtype, shape, data}, got ${array}`);
  }
  if (!isDType(array.dtype)) {
    throw new RangeError(
      `${what}.dtype: expected one of the supported dtypes, got ${JSON.stringify(array.dtype)}`,
    );
  }
  if (!Array.isArray(array.shape) || array.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new RangeError(`${what}.shape: expected non-negative integers, got ${JSON.stringify(array.shape)}`);
  }
  if (!ArrayBuffer.isView(array.data) || !matchesDType(array.dtype, array.data as TypedArray)) {
    throw new TypeError(
      `${what}.data: expected the typed array for dtype ${array.dtype}, got ${array.data?.constructor?.name ?? typeof array.data}`,
    );
  }
  const numel = numelOf(array.shape);
  if (array.data.length !== numel) {
    throw new RangeError(
      `${what}.data: expected ${numel} elements for shape ${JSON.stringify(array.shape)}, got ${array.data.length}`,
    );
  }
}

/** Options of {@link encodeNpy} and {@link writeNpy}. */
export interface EncodeNpyOptions {
  /** Store the data in column-major (Fortran) order, with `fortran_order: True`. Default false. */
  fortranOrder?: boolean;
}

/**
 * Encodes an {@link NdArray} as the bytes of a `.npy` file (format 1.0, or 2.0 for huge headers),
 * little endian, the header padded to a multiple of 64 bytes as NumPy does. bfloat16 is written as
 * a 2-byte void (`'<V2'`), which is what NumPy writes for `ml_dtypes.bfloat16`.
 */
export function encodeNpy(array: NdArray, options?: EncodeNpyOptions): Uint8Array {
  checkNdArray(array, 'array');
  const fortran = options?.fortranOrder === true;
  const shape = array.shape;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(array.dtype)}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  let prefix = 10;
  if (header.length + 1 + prefix > 65535) prefix = 12;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(total - prefix - 1, ' ') + '\n';
  const item = ITEM_SIZE[array.dtype];
  const out = new Uint8Array(total + array.data.length * item);
  out.set(MAGIC, 0);
  out[6] = prefix === 10 ? 1 : 2;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (prefix === 10) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  const body = viewAs(array.dtype, out.subarray(total));
  if (fortran && shape.length > 1) {
    // The Fortran layout of `shape` is the row-major layout of the reversed shape, read transposed.
    stridedCopy(array.data, 0, [...shape].reverse(), contiguousStrides(shape).reverse(), body);
  } else {
    out.set(bytesOf(array.data), total);
  }
  return out;
}

/** Writes an {@link NdArray} to a `.npy` file. See {@link encodeNpy}. */
export async function writeNpy(path: string, array: NdArray, options?: EncodeNpyOptions): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${typeof path}`);
  await writeFileBytes(path, encodeNpy(array, options));
}

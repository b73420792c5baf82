/** Element types the builder can declare for inputs, outputs and initializers. */
export type ElementType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** A dimension: a fixed size, or a symbolic name such as `'batch'`. */
export type Dim = number | string;

/** Typed arrays an initializer can hold. `Uint16Array` holds float16 bits; `bool` uses `Uint8Array` (0/1). */
export type TensorData =
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | Int8Array
  | Float64Array;

/** Every element type, in the order error messages list them. */
export const ELEMENT_TYPES: readonly ElementType[] = [
  'float32',
  'float16',
  'float64',
  'int64',
  'int32',
  'int8',
  'uint8',
  'bool',
];

/** ONNX `TensorProto.DataType` codes (onnx.proto). */
export const DATA_TYPE_CODE: Record<ElementType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

const ARRAY_OF: Record<ElementType, string> = {
  float32: 'Float32Array',
  float16: 'Uint16Array',
  float64: 'Float64Array',
  int64: 'BigInt64Array',
  int32: 'Int32Array',
  int8: 'Int8Array',
  uint8: 'Uint8Array',
  bool: 'Uint8Array',
};

const TYPE_OF_ARRAY: Record<string, ElementType> = {
  Float32Array: 'float32',
  Uint16Array: 'float16',
  Float64Array: 'float64',
  BigInt64Array: 'int64',
  Int32Array: 'int32',
  Int8Array: 'int8',
  Uint8Array: 'uint8',
};

/** Checks an element type name; an unknown one is a RangeError listing the valid ones. */
export function checkElementType(parameter: string, type: string): ElementType {
  if ((ELEMENT_TYPES as readonly string[]).includes(type)) return type as ElementType;
  throw new RangeError(`${parameter}: expected one of ${ELEMENT_TYPES.join(', ')}, got '${type}'`);
}

/**
 * The element type for `data` (`type` when given, after checking that `data` can hold it):
 * Float32Array → float32, Uint16Array → float16, Uint8Array → uint8 (or bool), and so on.
 */
export function elementTypeOf(parameter: string, data: TensorData, type?: ElementType): ElementType {
  const arrayName = (data as { constructor?: { name?: string } })?.constructor?.name ?? typeof data;
  const inferred = TYPE_OF_ARRAY[arrayName];
  if (inferred === undefined) {
    throw new TypeError(
      `${parameter}: expected a Float32Array, Uint16Array, Float64Array, BigInt64Array, Int32Array, Int8Array or Uint8Array, got ${arrayName}`,
    );
  }
  if (type === undefined) return inferred;
  checkElementType(`${parameter} type`, type);
  if (ARRAY_OF[type] !== arrayName) {
    throw new TypeError(`${parameter}: expected a ${ARRAY_OF[type]} for type ${type}, got ${arrayName}`);
  }
  return type;
}

/** Checks that `shape` is a list of non-negative integers whose product is `length`. */
export function checkShape(parameter: string, shape: readonly number[], length: number): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`${parameter}: expected a shape of non-negative integers, got [${String(shape)}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== length) {
    throw new RangeError(
      `${parameter}: expected ${size} elements for shape [${shape.join(', ')}], got ${length}`,
    );
  }
}

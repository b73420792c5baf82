import { type ElementType, elementTypeOf, type TensorData } from './element-type.js';

/** A tensor held by an attribute (e.g. `ConstantOfShape`'s `value`). */
export interface TensorValue {
  type: ElementType;
  shape: number[];
  data: TensorData;
}

/** A node attribute: one of the ONNX attribute kinds the builder writes. */
export type Attribute =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'tensor'; value: TensorValue };

/** An integer attribute (ONNX `INT`, int64). */
export function int(v: number): Attribute {
  if (!Number.isSafeInteger(v)) throw new RangeError(`int: expected a safe integer, got ${v}`);
  return { kind: 'int', value: v };
}

/** A float attribute (ONNX `FLOAT`, stored as float32). */
export function float(v: number): Attribute {
  if (typeof v !== 'number') throw new TypeError(`float: expected a number, got ${typeof v}`);
  return { kind: 'float', value: v };
}

/** A list-of-integers attribute (ONNX `INTS`). */
export function ints(v: number[]): Attribute {
  if (!Array.isArray(v) || v.some((x) => !Number.isSafeInteger(x))) {
    throw new RangeError(`ints: expected an array of safe integers, got [${String(v)}]`);
  }
  return { kind: 'ints', value: [...v] };
}

/** A list-of-floats attribute (ONNX `FLOATS`). */
export function floats(v: number[]): Attribute {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
    throw new TypeError(`floats: expected an array of numbers, got [${String(v)}]`);
  }
  return { kind: 'floats', value: [...v] };
}

/** A string attribute (ONNX `STRING`, UTF-8). */
export function str(v: string): Attribute {
  if (typeof v !== 'string') throw new TypeError(`str: expected a string, got ${typeof v}`);
  return { kind: 'string', value: v };
}

/** A tensor attribute (ONNX `TENSOR`); the element type is inferred from `data` unless given. */
export function tensor(data: TensorData, shape: number[], type?: ElementType): Attribute {
  return {
    kind: 'tensor',
    value: { type: elementTypeOf('tensor data', data, type), shape: [...shape], data },
  };
}

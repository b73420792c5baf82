/** Element types a {@link HostTensor} can hold. `float16` data is raw IEEE half bits in a Uint16Array. */
export type HostTensorType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

import { RuntimeError } from './errors.js';

/** A tensor in host memory: a flat row-major typed array with its type and dimensions. */
export interface HostTensor {
  type: HostTensorType;
  dims: number[];
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;
}

const ARRAY_OF: Record<HostTensorType, string> = {
  float32: 'Float32Array',
  float16: 'Uint16Array',
  int64: 'BigInt64Array',
  int32: 'Int32Array',
  uint8: 'Uint8Array',
  bool: 'Uint8Array',
};

/** Throws a TypeError/RangeError when `tensor`'s data does not match its type and dims. */
export function checkHostTensor(name: string, tensor: HostTensor): void {
  const expected = ARRAY_OF[tensor.type];
  if (expected === undefined) {
    throw new RangeError(
      `${name}.type: expected one of ${Object.keys(ARRAY_OF).join(', ')}, got '${tensor.type}'`,
    );
  }
  if (tensor.data?.constructor?.name !== expected) {
    throw new TypeError(
      `${name}.data: expected ${expected} for type ${tensor.type}, got ${tensor.data?.constructor?.name}`,
    );
  }
  const size = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.dims.some((d) => !Number.isInteger(d) || d < 0) || size !== tensor.data.length) {
    throw new RangeError(
      `${name}: expected ${tensor.data.length} elements for dims [${tensor.dims.join(', ')}], got ${size === tensor.data.length ? 'invalid dims' : size}`,
    );
  }
}

/** One line describing tensors for error messages: `x: int64[2,4096], t: float32[2]`. */
export function describeTensors(tensors: Record<string, HostTensor>): string {
  return Object.entries(tensors)
    .map(([name, t]) => `${name}: ${t.type}[${t.dims.join(',')}]`)
    .join(', ');
}

/** Throws a {@link RuntimeError} unless `feeds` names exactly the model's inputs. */
export function checkFeeds(inputNames: readonly string[], feeds: Record<string, HostTensor>): void {
  const missing = inputNames.filter((name) => !(name in feeds));
  const unknown = Object.keys(feeds).filter((name) => !inputNames.includes(name));
  if (missing.length > 0 || unknown.length > 0) {
    throw new RuntimeError(
      `inputs: expected ${inputNames.join(', ')}, got ${Object.keys(feeds).join(', ') || 'none'}`,
    );
  }
}

/** Element types a {@link HostTensor} can hold. `float16` data is raw IEEE half bits in a Uint16Array. */
export type HostTensorType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

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

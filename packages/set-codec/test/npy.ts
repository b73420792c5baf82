// Test helper (shared with the fsdd tests): loads a fixture .npy with @tokenset/tensor-io (int64 narrowed to Int32Array: the
// fixtures hold small integers).
import { readFileSync } from 'node:fs';
import { parseNpy } from '@tokenset/tensor-io';

export interface TestArray {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

/** Reads a fixture `.npy` (float32, float64 or int64). */
export function loadNpy(url: URL): TestArray {
  const array = parseNpy(new Uint8Array(readFileSync(url)), { int64: 'int32' });
  const { data } = array;
  if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
    throw new Error(`${url.pathname}: unexpected dtype ${array.dtype}`);
  }
  return { shape: array.shape, data };
}

// Test-only minimal .npy reader (format 1.0/2.0, little endian, C order) for the fixtures.
// Not part of the package: @tokenset/tensor-io is the real reader.
import { readFileSync } from 'node:fs';

export interface TestArray {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

/** Reads `fixtures/<name>.npy`; int64 becomes Int32Array (fixtures hold small integers). */
export function loadNpy(url: URL): TestArray {
  const bytes = readFileSync(url);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = bytes.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error('fortran order not supported');
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const body = new Uint8Array(bytes.subarray(start)).buffer;
  if (descr === '<f4') return { shape, data: new Float32Array(body, 0, n) };
  if (descr === '<f8') return { shape, data: new Float64Array(body, 0, n) };
  if (descr === '<i8') {
    const big = new BigInt64Array(body, 0, n);
    return { shape, data: Int32Array.from(big, (v) => Number(v)) };
  }
  throw new Error(`unsupported dtype ${descr}`);
}

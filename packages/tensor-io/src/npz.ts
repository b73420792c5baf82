import { crc32, deflateRaw, fileSource, writeFileBytes } from '#platform';
import { type ByteSource, bufferSource } from './byte-source.js';
import type { NdArray, ReadOptions } from './dtype.js';
import { NpyError } from './errors.js';
import { checkNdArray, encodeNpy, parseNpy } from './npy.js';
import { ZipBuilder, ZipReader } from './zip.js';

async function openSource(source: string | Uint8Array): Promise<ByteSource> {
  if (typeof source === 'string') return fileSource(source);
  if (source instanceof Uint8Array) return bufferSource(source);
  throw new TypeError(
    `source: expected a file path or a Uint8Array, got ${source === null ? 'null' : typeof source}`,
  );
}

/**
 * Reads a `.npz` archive (as `numpy.savez` / `savez_compressed` write it: stored or deflated
 * members, zip64 records) from a path or bytes. Keys are the member names without `.npy`, in
 * archive order.
 *
 * @throws NpyError when the archive or one of its arrays is malformed.
 * @example
 * ```ts
 * const stats = await readNpz('adm_in256_stats.npz');
 * const mu = stats.get('mu'); // { dtype: 'float64', shape: [2048], data: Float64Array }
 * ```
 */
export async function readNpz(
  source: string | Uint8Array,
  options?: ReadOptions,
): Promise<Map<string, NdArray>> {
  const bytes = await openSource(source);
  try {
    const zip = await ZipReader.open(bytes, (message) => new NpyError(`npz: ${message}`));
    const out = new Map<string, NdArray>();
    for (const entry of zip.entries.values()) {
      if (entry.name.endsWith('/')) continue; // a directory entry
      const key = entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name;
      const member = await zip.read(entry);
      try {
        out.set(key, parseNpy(member, options));
      } catch (error) {
        if (error instanceof NpyError) throw new NpyError(`npz member '${entry.name}': ${error.message}`);
        throw error;
      }
    }
    return out;
  } finally {
    await bytes.close();
  }
}

/** Options of {@link encodeNpz} and {@link writeNpz}. */
export interface EncodeNpzOptions {
  /** Deflate the members, as `numpy.savez_compressed` does. Default false (stored, as `numpy.savez`). */
  compress?: boolean;
}

/** Named arrays to put in an `.npz`: a Map or a plain object, written in iteration order. */
export type NamedArrays = Map<string, NdArray> | Record<string, NdArray>;

/**
 * Encodes named arrays as the bytes of an `.npz` archive: one `<name>.npy` member each, stored or
 * deflated, that `numpy.load` reads.
 */
export function encodeNpz(arrays: NamedArrays, options?: EncodeNpzOptions): Uint8Array {
  if (typeof arrays !== 'object' || arrays === null) {
    throw new TypeError(`arrays: expected a Map or an object of NdArrays, got ${arrays}`);
  }
  const list = arrays instanceof Map ? [...arrays.entries()] : Object.entries(arrays);
  const builder = new ZipBuilder();
  const parts: Uint8Array[] = [];
  for (const [name, array] of list) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`arrays: expected non-empty string names, got ${JSON.stringify(name)}`);
    }
    checkNdArray(array, `arrays['${name}']`);
    const npy = encodeNpy(array);
    const data = options?.compress ? deflateRaw(npy) : npy;
    parts.push(
      builder.localHeader({
        name: `${name}.npy`,
        method: options?.compress ? 8 : 0,
        crc32: crc32(npy),
        compressedSize: data.length,
        size: npy.length,
      }),
      data,
    );
  }
  parts.push(builder.end());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Writes named arrays to an `.npz` file. See {@link encodeNpz}. */
export async function writeNpz(path: string, arrays: NamedArrays, options?: EncodeNpzOptions): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${typeof path}`);
  await writeFileBytes(path, encodeNpz(arrays, options));
}

import { type ByteSource, readAt } from './byte-source.js';
import { type DType, ITEM_SIZE } from './dtype.js';
import { CheckpointError } from './errors.js';
import { type Reconstructor, unpickle } from './pickle.js';

/** The first pickle of a legacy file: torch's magic number. */
const MAGIC = 0x1950a86a20f9469cfc6cn;
/** The protocol version the legacy writer records. */
const LEGACY_PROTOCOL = 1001;

class NeedMore extends Error {}

/** A storage of a legacy file: its data offset is known once the key list has been read. */
export interface LegacyStorage {
  key: string;
  dtype: DType;
  numel: number;
  /** Offset of its first data byte in the file (set after the main pickle). */
  dataOffset: number;
  /** For an old-style storage view: the storage it views and the element offset into it. */
  viewOf?: { storage: LegacyStorage; offset: number };
}

/**
 * Reads the pickles of a legacy (PyTorch < 1.6) `torch.save` file: the magic number, the protocol
 * version, the system info, the object tree and the list of storage keys; then walks the storage
 * headers (an int64 element count before each storage's bytes) to find every storage's data offset.
 * Only these small pieces are read; the storages are read later, by offset.
 */
export async function readLegacy(
  source: ByteSource,
  storageDType: (type: unknown) => DType | undefined,
  makeStorage: (legacy: LegacyStorage) => unknown,
  reconstructors: ReadonlyMap<string, Reconstructor>,
): Promise<{ root: unknown; bigEndian: boolean }> {
  const fail = (m: string) => new CheckpointError(`checkpoint (legacy format): ${m}`);
  let chunk = await readAt(source, 0, Math.min(source.size, 1 << 20));
  const storages = new Map<string, { legacy: LegacyStorage; ref: unknown }>();
  // Unpickles the next pickle at `at`, reading more of the file while the input ends too early.
  const next = async (at: number, options: Parameters<typeof unpickle>[2] = {}) => {
    for (;;) {
      try {
        return unpickle(chunk, at, {
          ...options,
          fail,
          truncated: (m) => (chunk.length < source.size ? new NeedMore(m) : fail(m)),
        });
      } catch (error) {
        if (!(error instanceof NeedMore)) throw error;
        chunk = await readAt(source, 0, Math.min(source.size, chunk.length * 4));
      }
    }
  };
  const magic = await next(0);
  if (magic.value !== MAGIC) throw fail('expected the magic number of torch.save as the first pickle');
  const protocol = await next(magic.end);
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw fail(`expected protocol version ${LEGACY_PROTOCOL}, got ${String(protocol.value)}`);
  }
  const info = await next(protocol.end);
  const littleEndian = info.value instanceof Map ? info.value.get('little_endian') : undefined;
  if (typeof littleEndian !== 'boolean') throw fail('expected system info with little_endian');
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 6) {
      throw fail('expected a persistent id (storage, type, key, location, numel, view)');
    }
    const [, type, key, , numel, view] = pid;
    const dtype = storageDType(type);
    if (typeof key !== 'string' || !dtype) throw fail(`unsupported storage ${String(key)}`);
    if (
      typeof numel !== 'number' ||
      !Number.isSafeInteger(numel) ||
      numel < 0 ||
      numel * ITEM_SIZE[dtype] > source.size
    ) {
      throw fail(`storage '${key}': expected a size within the file, got ${String(numel)}`);
    }
    let entry = storages.get(key);
    if (!entry) {
      const legacy: LegacyStorage = { key, dtype, numel, dataOffset: -1 };
      entry = { legacy, ref: makeStorage(legacy) };
      storages.set(key, entry);
    }
    if (view === null || view === undefined) return entry.ref;
    // An old storage view: (view key, offset, size) into the root storage.
    if (!Array.isArray(view) || typeof view[0] !== 'string')
      throw fail('expected a storage view (key, offset, size)');
    const [viewKey, offset, size] = view;
    if (
      typeof offset !== 'number' ||
      typeof size !== 'number' ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(size) ||
      offset < 0 ||
      size < 0 ||
      offset + size > entry.legacy.numel
    ) {
      throw fail(`storage view '${viewKey}' is outside storage '${key}'`);
    }
    const legacyView: LegacyStorage = {
      key: viewKey,
      dtype,
      numel: size,
      dataOffset: -1,
      viewOf: { storage: entry.legacy, offset },
    };
    return makeStorage(legacyView);
  };
  const main = await next(info.end, { persistentLoad, reconstructors });
  const keys = await next(main.end);
  if (!Array.isArray(keys.value) || keys.value.some((k) => typeof k !== 'string')) {
    throw fail('expected the list of storage keys after the object');
  }
  let cursor = keys.end;
  for (const key of keys.value as string[]) {
    const entry = storages.get(key);
    if (!entry) throw fail(`storage '${key}' is listed but never used, so its element size is unknown`);
    if (cursor + 8 > source.size)
      throw fail(`storage '${key}' starts past the end of the file (truncated file?)`);
    const header = new DataView((await readAt(source, cursor, 8)).buffer);
    const count = header.getBigInt64(0, littleEndian);
    const bytes = BigInt(entry.legacy.numel) * BigInt(ITEM_SIZE[entry.legacy.dtype]);
    if (count !== BigInt(entry.legacy.numel) || BigInt(cursor + 8) + bytes > BigInt(source.size)) {
      throw fail(
        `storage '${key}': expected ${entry.legacy.numel} elements within the file, the file says ${count} at byte ${cursor}`,
      );
    }
    entry.legacy.dataOffset = cursor + 8;
    cursor += 8 + Number(bytes);
  }
  for (const { legacy } of storages.values()) {
    if (legacy.dataOffset < 0) throw fail(`storage '${legacy.key}' is used but its data is missing`);
  }
  return { root: main.value, bigEndian: !littleEndian };
}

import { fileSource } from '#platform';
import { type ByteSource, bufferSource, readAt } from './byte-source.js';
import type { Checkpoint, TensorRef } from './checkpoint-types.js';
import {
  allocate,
  applyReadOptions,
  bytesOf,
  checkReadOptions,
  type DType,
  ITEM_SIZE,
  matchesDType,
  type ReadOptions,
  swapBytes,
  type TypedArray,
  viewAs,
} from './dtype.js';
import { CheckpointError } from './errors.js';
import { type LegacyStorage, readLegacy } from './legacy.js';
import type { StridedArray } from './ndarray.js';
import { PickleGlobal, PickleObject, type Reconstructor, unpickle } from './pickle.js';
import { isContiguous, numelOf, stridedCopy, viewExtent } from './strided.js';
import { ZipReader } from './zip.js';

/** Storage classes of `torch` (as named in persistent ids) and their dtypes. */
const STORAGE_DTYPES: ReadonlyMap<string, DType> = new Map([
  ['FloatStorage', 'float32'],
  ['HalfStorage', 'float16'],
  ['BFloat16Storage', 'bfloat16'],
  ['DoubleStorage', 'float64'],
  ['LongStorage', 'int64'],
  ['IntStorage', 'int32'],
  ['ShortStorage', 'int16'],
  ['CharStorage', 'int8'],
  ['ByteStorage', 'uint8'],
  ['BoolStorage', 'bool'],
]);

/** Nesting deeper than this in the unpickled tree is refused (a recursion bomb, not a checkpoint). */
const MAX_DEPTH = 1000;

/** A storage (one `data/<key>` member, or a region of a legacy file) that tensors view. */
export interface Storage {
  readonly key: string;
  readonly dtype: DType;
  /** Elements the storage holds. */
  readonly numel: number;
  /** Reads `target.length` bytes starting `byteStart` bytes into the storage. */
  readBytes(byteStart: number, target: Uint8Array): Promise<void>;
}

/** Options of {@link readCheckpoint}. */
export interface CheckpointOptions {
  /**
   * Check each tensor storage's CRC-32 when a tensor reads its whole storage (catches bit rot and
   * corrupt downloads; costs about as much time as the read itself from the page cache). Default
   * false, like `torch.load`. The pickle and other small members are always checked.
   */
  verifyChecksums?: boolean;
}

interface Context {
  closed: boolean;
  verify: boolean;
  bigEndian: boolean;
  /** No single read may allocate more than this (the file's size). */
  maxBytes: number;
  source: ByteSource;
}

/** A tensor of the checkpoint tree: a view of a storage, read on demand. */
export class LazyTensor implements TensorRef {
  /** The first dotted path under which the tensor was found ('' if unreachable). */
  name = '';

  constructor(
    readonly storage: Storage,
    /** Offset in elements into the storage. */
    readonly offset: number,
    readonly shape: number[],
    /** Strides in elements. */
    readonly strides: number[],
    private readonly context: Context,
  ) {}

  get dtype(): DType {
    return this.storage.dtype;
  }

  async read(options?: ReadOptions): Promise<TypedArray> {
    checkReadOptions(options);
    const numel = numelOf(this.shape);
    const bytes = numel * ITEM_SIZE[this.dtype];
    if (bytes > this.context.maxBytes) {
      throw new CheckpointError(
        `tensor '${this.name}': shape ${JSON.stringify(this.shape)} needs ${bytes} bytes, more than the ${this.context.maxBytes} bytes of the file (a view with zero strides?); refusing to allocate it`,
      );
    }
    const out = allocate(this.dtype, numel);
    await this.readInto(out);
    return applyReadOptions(this.dtype, out, options, `tensor '${this.name}'`).data;
  }

  async readInto(target: TypedArray): Promise<void> {
    const what = `tensor '${this.name}'`;
    const dtype = this.dtype;
    const numel = numelOf(this.shape);
    if (!ArrayBuffer.isView(target) || !matchesDType(dtype, target)) {
      throw new TypeError(`target: expected the typed array of dtype ${dtype}, got ${describeValue(target)}`);
    }
    if (target.length !== numel) {
      throw new RangeError(`target: expected ${numel} elements for ${what}, got ${target.length}`);
    }
    if (this.context.closed) throw new CheckpointError(`${what}: the checkpoint was closed`);
    if (numel === 0) return;
    const item = ITEM_SIZE[dtype];
    try {
      if (isContiguous(this.shape, this.strides)) {
        await this.storage.readBytes(this.offset * item, bytesOf(target));
      } else {
        const span = new Uint8Array(viewExtent(this.shape, this.strides) * item);
        await this.storage.readBytes(this.offset * item, span);
        stridedCopy(viewAs(dtype, span), 0, this.shape, this.strides, target);
      }
    } catch (error) {
      if (error instanceof CheckpointError) throw new CheckpointError(`${what}: ${error.message}`);
      throw new CheckpointError(
        `${what}: reading storage '${this.storage.key}' failed: ${(error as Error).message}`,
      );
    }
    if (this.context.bigEndian) swapBytes(bytesOf(target), item);
  }

  async readStrided(): Promise<StridedArray> {
    const what = `tensor '${this.name}'`;
    if (this.context.closed) throw new CheckpointError(`${what}: the checkpoint was closed`);
    const dtype = this.dtype;
    const item = ITEM_SIZE[dtype];
    // The span of the storage the view touches, read once; the view's strides are kept as stored.
    const extent = viewExtent(this.shape, this.strides);
    if (extent * item > this.context.maxBytes) {
      throw new CheckpointError(
        `${what}: a view of ${extent * item} bytes, more than the ${this.context.maxBytes} bytes of the file; refusing to allocate it`,
      );
    }
    const span = new Uint8Array(extent * item);
    try {
      if (extent > 0) await this.storage.readBytes(this.offset * item, span);
    } catch (error) {
      if (error instanceof CheckpointError) throw new CheckpointError(`${what}: ${error.message}`);
      throw new CheckpointError(
        `${what}: reading storage '${this.storage.key}' failed: ${(error as Error).message}`,
      );
    }
    if (this.context.bigEndian) swapBytes(span, item);
    return {
      dtype,
      shape: [...this.shape],
      strides: [...this.strides],
      offset: 0,
      data: viewAs(dtype, span),
    };
  }
}

function fail(message: string): CheckpointError {
  return new CheckpointError(message);
}

function isIndexList(value: unknown, what: string): number[] {
  if (
    !Array.isArray(value) ||
    value.some((v) => typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
  ) {
    throw fail(`${what}: expected a tuple of non-negative integers, got ${describeValue(value)}`);
  }
  return value as number[];
}

function describeValue(value: unknown): string {
  if (value instanceof PickleGlobal || value instanceof PickleObject) return value.fullName;
  try {
    return (
      JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}` : v))?.slice(0, 80) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

/** Builds the tensor view that `torch._utils._rebuild_tensor_v2` would. */
function rebuildTensor(args: unknown[], context: Context): LazyTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) {
    throw fail(`_rebuild_tensor_v2: expected a storage as the first argument, got ${describeValue(storage)}`);
  }
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw fail(`_rebuild_tensor_v2: expected a non-negative storage offset, got ${describeValue(offset)}`);
  }
  const shape = isIndexList(size, '_rebuild_tensor_v2 size');
  const strides = isIndexList(stride, '_rebuild_tensor_v2 stride');
  if (shape.length !== strides.length) {
    throw fail(
      `_rebuild_tensor_v2: expected as many strides as dimensions, got ${shape.length} and ${strides.length}`,
    );
  }
  const s = storage.storage;
  // Bound the view by the storage before anything is multiplied out (absurd sizes fail here).
  let extent = 0;
  if (!shape.includes(0)) {
    extent = 1;
    for (let i = 0; i < shape.length; i++) {
      extent += (shape[i] - 1) * strides[i];
      if (!Number.isSafeInteger(extent)) break;
    }
  }
  if (!Number.isSafeInteger(extent) || offset + extent > s.numel) {
    throw fail(
      `tensor of shape ${JSON.stringify(shape)}, strides ${JSON.stringify(strides)} at offset ${offset}: expected it inside storage '${s.key}' of ${s.numel} elements`,
    );
  }
  let numel = 1;
  for (const d of shape) {
    numel *= d;
    if (numel > Number.MAX_SAFE_INTEGER)
      throw fail(`tensor of shape ${JSON.stringify(shape)} has too many elements`);
  }
  return new LazyTensor(s, offset, shape, strides, context);
}

/** A storage as the pickle sees it (the value persistent_load returns). */
class StorageRef {
  constructor(readonly storage: Storage) {}
}

function reconstructors(context: Context): Map<string, Reconstructor> {
  const rebuild: Reconstructor = (args) => rebuildTensor(args, context);
  const table: Map<string, Reconstructor> = new Map<string, Reconstructor>([
    ['torch._utils._rebuild_tensor_v2', rebuild],
    ['torch._utils._rebuild_tensor', rebuild],
    // A Parameter is its data as far as values go; requires_grad and hooks are training state.
    ['torch._utils._rebuild_parameter', (args) => (args[0] instanceof LazyTensor ? args[0] : undefined)],
    [
      'torch._utils._rebuild_parameter_with_state',
      (args) => (args[0] instanceof LazyTensor ? args[0] : undefined),
    ],
    // Tensor subclasses: (func, new_type, args, state); only our own interpretations of func apply.
    [
      'torch._tensor._rebuild_from_type_v2',
      (args): unknown => {
        const [func, , inner] = args;
        if (func instanceof PickleGlobal && Array.isArray(inner)) {
          const f: Reconstructor | undefined = table.get(func.fullName);
          const value: unknown = f?.(inner);
          if (value instanceof LazyTensor) return value;
        }
        return undefined;
      },
    ],
    ['collections.OrderedDict', (args) => (args.length === 0 ? new Map() : undefined)],
    [
      'builtins.set',
      (args) => (args.length === 0 ? new Set() : Array.isArray(args[0]) ? new Set(args[0]) : undefined),
    ],
    [
      'builtins.frozenset',
      (args) => (args.length === 0 ? new Set() : Array.isArray(args[0]) ? new Set(args[0]) : undefined),
    ],
    // Protocol 2 pickles bytes as _codecs.encode(latin-1 text, 'latin1').
    [
      '_codecs.encode',
      (args) =>
        typeof args[0] === 'string' && args[1] === 'latin1'
          ? Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff)
          : undefined,
    ],
  ]);
  table.set('__builtin__.set', table.get('builtins.set')!);
  return table;
}

function storageDType(type: unknown): DType | undefined {
  if (type instanceof PickleGlobal && type.module === 'torch') return STORAGE_DTYPES.get(type.name);
  return undefined;
}

/** Why a storage class that torch writes is refused, and what to do instead. */
function unsupportedStorageHint(type: unknown): string {
  const name = type instanceof PickleGlobal ? type.name : '';
  if (/^Complex(Float|Double)Storage$/.test(name)) {
    return ' (complex tensors are not read: save torch.view_as_real(t), whose last dimension holds the real and imaginary parts)';
  }
  if (name === 'UntypedStorage') {
    // torch >= 2.3 writes its newer dtypes (uint16/32/64, float8) as untyped bytes + a dtype.
    return ' (a newer dtype such as uint16, uint32, uint64 or float8, which is not read: save t.to(torch.int64) or t.float())';
  }
  return '';
}

/** Opens a path or bytes as a {@link ByteSource}. */
async function open(source: string | Uint8Array): Promise<ByteSource> {
  if (typeof source === 'string') return fileSource(source);
  if (source instanceof Uint8Array) return bufferSource(source);
  throw new TypeError(
    `source: expected a file path or a Uint8Array, got ${source === null ? 'null' : typeof source}`,
  );
}

/**
 * Opens a `torch.save` checkpoint (the zip format of PyTorch 1.6 and later: any top-level folder,
 * stored or deflated members, zip64) without executing anything. Only the central directory and
 * the pickle are read here; each tensor's bytes are read when its `read()` is called, by offset.
 * Files of the legacy pre-1.6 format (pickles followed by raw storages) are read too, just as lazily;
 * the tar format of PyTorch <= 0.1.10 is refused with a `CheckpointError` that says how to convert it.
 *
 * @throws CheckpointError when the file is not a checkpoint this package reads or is corrupt.
 * @example
 * ```ts
 * const ckpt = await readCheckpoint('fsdd_small_128_4096.pth');
 * for (const [name, t] of ckpt.tensors('ema.')) console.log(name, t.dtype, t.shape);
 * const pos = await ckpt.tensors('ema.').get('pos_embed')!.read();
 * await ckpt.close();
 * ```
 */
export async function readCheckpoint(
  source: string | Uint8Array,
  options?: CheckpointOptions,
): Promise<Checkpoint> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`options: expected an object, got ${options === null ? 'null' : typeof options}`);
  }
  const bytes = await open(source);
  try {
    return await openCheckpoint(bytes, options?.verifyChecksums === true);
  } catch (error) {
    await bytes.close();
    if (error instanceof CheckpointError || error instanceof TypeError) throw error;
    throw new CheckpointError(`checkpoint: ${(error as Error).message}`);
  }
}

async function openCheckpoint(source: ByteSource, verify: boolean): Promise<Checkpoint> {
  const head = await readAt(source, 0, Math.min(source.size, 512));
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return openZipCheckpoint(source, verify);
  }
  if (head.length >= 2 && head[0] === 0x80 && head[1] <= 5) {
    return openLegacyCheckpoint(source, verify);
  }
  if (head.length >= 262 && new TextDecoder().decode(head.subarray(257, 262)) === 'ustar') {
    throw fail(
      'checkpoint: this is the tar format of PyTorch <= 0.1.10, which is not read here; convert it with PyTorch: torch.save(torch.load(f), f2)',
    );
  }
  throw fail(
    `checkpoint: expected a torch.save file (a zip archive starting "PK\\x03\\x04"), got a file starting ${[...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
  );
}

/** The legacy format of PyTorch < 1.6: pickles, then each storage's bytes after an element count. */
async function openLegacyCheckpoint(source: ByteSource, verify: boolean): Promise<Checkpoint> {
  const context: Context = { closed: false, verify, bigEndian: false, maxBytes: source.size, source };
  const makeStorage = (legacy: LegacyStorage) => {
    const item = ITEM_SIZE[legacy.dtype];
    return new StorageRef({
      key: legacy.key,
      dtype: legacy.dtype,
      numel: legacy.numel,
      readBytes: async (byteStart, target) => {
        if (byteStart < 0 || byteStart + target.length > legacy.numel * item) {
          throw fail(`storage '${legacy.key}': a read outside its ${legacy.numel * item} bytes`);
        }
        const base = legacy.viewOf
          ? legacy.viewOf.storage.dataOffset + legacy.viewOf.offset * item
          : legacy.dataOffset;
        await source.readInto(target, base + byteStart);
      },
    });
  };
  const { root, bigEndian } = await readLegacy(source, storageDType, makeStorage, reconstructors(context));
  context.bigEndian = bigEndian;
  return makeCheckpoint(root, context);
}

async function openZipCheckpoint(source: ByteSource, verify: boolean): Promise<Checkpoint> {
  const zip = await ZipReader.open(source, (m) => fail(`checkpoint: ${m}`));
  const pickles = [...zip.entries.keys()].filter((n) => /^([^/]*\/)?data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw fail(
      `checkpoint: expected one '<folder>/data.pkl' member in the archive, found ${pickles.length}${
        zip.entries.has('constants.pkl') || [...zip.entries.keys()].some((n) => n.endsWith('/constants.pkl'))
          ? ' (this looks like a TorchScript archive)'
          : ''
      }`,
    );
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const context: Context = { closed: false, verify, bigEndian: false, maxBytes: source.size, source };
  const byteorder = zip.entries.get(`${prefix}byteorder`);
  if (byteorder) {
    const order = new TextDecoder().decode(await zip.read(byteorder)).trim();
    if (order !== 'little' && order !== 'big') {
      throw fail(
        `checkpoint: byteorder: expected 'little' or 'big', got ${JSON.stringify(order.slice(0, 20))}`,
      );
    }
    context.bigEndian = order === 'big';
  }
  const pickle = await zip.read(zip.entries.get(pickles[0])!);
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw fail(
        `checkpoint: expected a persistent id ('storage', type, key, location, numel), got ${describeValue(pid)}`,
      );
    }
    const [, type, key, , numel] = pid;
    if (typeof key !== 'string')
      throw fail(`checkpoint: expected a string storage key, got ${describeValue(key)}`);
    const dtype = storageDType(type);
    if (!dtype) {
      throw fail(
        `checkpoint: storage '${key}': expected one of torch.${[...STORAGE_DTYPES.keys()].join(', torch.')}, got ${describeValue(type)}${unsupportedStorageHint(type)}`,
      );
    }
    const cached = storages.get(key);
    if (cached) {
      if (cached.storage.dtype !== dtype) {
        throw fail(`checkpoint: storage '${key}' is used as both ${cached.storage.dtype} and ${dtype}`);
      }
      return cached;
    }
    const entry = zip.entries.get(`${prefix}data/${key}`);
    if (!entry)
      throw fail(`checkpoint: storage '${key}': expected the member '${prefix}data/${key}', found none`);
    const item = ITEM_SIZE[dtype];
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0 || numel * item > entry.size) {
      throw fail(
        `checkpoint: storage '${key}': expected at most ${Math.floor(entry.size / item)} ${dtype} elements (the member's ${entry.size} bytes), got ${describeValue(numel)}`,
      );
    }
    const ref = new StorageRef({
      key,
      dtype,
      numel,
      readBytes: (byteStart, target) => zip.readRange(entry, byteStart, target, context.verify),
    });
    storages.set(key, ref);
    return ref;
  };
  const { value: root } = unpickle(pickle, 0, {
    reconstructors: reconstructors(context),
    persistentLoad,
    fail: (m) => fail(`checkpoint: ${m}`),
  });
  return makeCheckpoint(root, context);
}

/** Walks the tree (iteratively, each container once) and names every tensor by its dotted path. */
function collectTensors(root: unknown): Map<string, LazyTensor> {
  const found = new Map<string, LazyTensor>();
  const seen = new Set<object>();
  const stack: [unknown, string, number][] = [[root, '', 0]];
  const join = (path: string, key: unknown) => {
    const k =
      typeof key === 'string' || typeof key === 'number' || typeof key === 'bigint'
        ? String(key)
        : describeValue(key);
    return path === '' ? k : `${path}.${k}`;
  };
  while (stack.length) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (value instanceof LazyTensor) {
      if (!found.has(path)) {
        if (value.name === '') value.name = path;
        found.set(path, value);
      }
      continue;
    }
    if (seen.has(value)) continue;
    seen.add(value);
    if (depth > MAX_DEPTH)
      throw fail(`checkpoint: objects nested deeper than ${MAX_DEPTH} levels (a recursion bomb?)`);
    const children: [unknown, string][] = [];
    if (value instanceof Map) for (const [k, v] of value) children.push([v, join(path, k)]);
    else if (Array.isArray(value))
      for (let i = 0; i < value.length; i++) children.push([value[i], join(path, i)]);
    else if (value instanceof PickleObject) {
      if (value.state instanceof Map) for (const [k, v] of value.state) children.push([v, join(path, k)]);
      else if (value.state !== undefined) children.push([value.state, path]);
      for (const [k, v] of value.entries) children.push([v, join(path, k)]);
      for (let i = 0; i < value.items.length; i++) children.push([value.items[i], join(path, i)]);
    }
    // Push in reverse so that names come out in the pickle's order.
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i][0], children[i][1], depth + 1]);
  }
  return found;
}

/** Runs `fn`, reporting a tensor under the full `name` it was listed by. */
async function renamed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CheckpointError)
      throw new CheckpointError(error.message.replace(/^tensor '[^']*'/, `tensor '${name}'`));
    throw error;
  }
}

function makeCheckpoint(root: unknown, context: Context): Checkpoint {
  const all = collectTensors(root);
  return {
    root,
    tensors(prefix = '') {
      if (typeof prefix !== 'string') throw new TypeError(`prefix: expected a string, got ${typeof prefix}`);
      const out = new Map<string, TensorRef>();
      for (const [name, tensor] of all) {
        if (!name.startsWith(prefix)) continue;
        const key = name.slice(prefix.length);
        out.set(key, {
          name: key,
          dtype: tensor.dtype,
          shape: [...tensor.shape],
          read: (options?: ReadOptions) => renamed(name, () => tensor.read(options)),
          readInto: (target: TypedArray) => renamed(name, () => tensor.readInto(target)),
          readStrided: () => renamed(name, () => tensor.readStrided()),
        });
      }
      return out;
    },
    async close() {
      context.closed = true;
      await context.source.close();
    },
  };
}

import { crc32, createFile } from '#platform';
import { type CheckpointValue, isNdArray, Namespace } from './checkpoint-tree.js';
import { bytesOf, type DType, type NdArray } from './dtype.js';
import { CheckpointError } from './errors.js';
import { checkNdArray } from './npy.js';
import { PickleWriter } from './pickle-writer.js';
import { contiguousStrides } from './strided.js';
import { ZipBuilder } from './zip.js';

/**
 * torch's storage class of each dtype it pickles with `_rebuild_tensor_v2`. The unsigned 16/32/64-bit
 * dtypes of torch >= 2.3 use another form that is not written here.
 */
const STORAGE_NAMES: Readonly<Partial<Record<DType, string>>> = {
  float32: 'FloatStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  float64: 'DoubleStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

function storageName(dtype: DType): string {
  const name = STORAGE_NAMES[dtype];
  if (name === undefined) {
    throw new CheckpointError(
      `writeCheckpoint: expected a dtype with a torch storage class (${Object.keys(STORAGE_NAMES).join(', ')}), got ${dtype}`,
    );
  }
  return name;
}

/** Tensors to write: a Map, an object, or any iterable of `[name, array]` (e.g. a generator, to bound memory). */
export type TensorSource = Map<string, NdArray> | Record<string, NdArray> | Iterable<[string, NdArray]>;

/** One tensor to be pickled as `_rebuild_tensor_v2(storage, 0, shape, strides, False, OrderedDict())`. */
interface ListedTensor {
  dtype: DType;
  shape: readonly number[];
}

/** Writes the `_rebuild_tensor_v2(...)` call of storage `index` (its persistent id names `data/index`). */
function pickleTensor(w: PickleWriter, t: ListedTensor, index: number): void {
  const numel = t.shape.reduce((a, b) => a * b, 1);
  w.global('torch._utils', '_rebuild_tensor_v2').mark();
  w.mark().string('storage').global('torch', storageName(t.dtype)).string(String(index)).string('cpu');
  w.int(numel).op(0x74).op(0x51); // persistent id tuple, BINPERSID
  w.int(0)
    .intTuple(t.shape)
    .intTuple(contiguousStrides([...t.shape]));
  w.op(0x89).global('collections', 'OrderedDict').op(0x29).op(0x52); // False, OrderedDict()
  w.op(0x74).op(0x52); // args tuple, REDUCE
}

/**
 * The `data.pkl` of a state dict: an `OrderedDict` of `name -> _rebuild_tensor_v2(storage i, 0,
 * shape, contiguous strides, False, OrderedDict())`, as `torch.save(model.state_dict())` writes it.
 */
export function stateDictPickle(
  tensors: readonly { name: string; dtype: DType; shape: number[] }[],
): Uint8Array {
  const w = new PickleWriter();
  w.global('collections', 'OrderedDict').op(0x29).op(0x52); // OrderedDict()
  tensors.forEach((t, i) => {
    w.string(t.name);
    pickleTensor(w, t, i);
    w.op(0x73); // SETITEM
  });
  return w.finish();
}

/**
 * The `data.pkl` of a {@link CheckpointValue} tree; tensors are numbered in the order they are met
 * (depth first) and appended to `storages`.
 */
export function treePickle(root: CheckpointValue, storages: NdArray[]): Uint8Array {
  const w = new PickleWriter();
  const depth = { now: 0 };
  const items = (entries: Iterable<[string, CheckpointValue]>, path: string) => {
    for (const [key, value] of entries) {
      w.string(key);
      visit(value, `${path}.${key}`);
      w.op(0x73); // SETITEM
    }
  };
  const visit = (value: CheckpointValue, path: string): void => {
    if (++depth.now > 64) throw new RangeError(`${path}: expected a tree at most 64 levels deep, got deeper`);
    if (value === null) w.none();
    else if (typeof value === 'boolean') w.bool(value);
    else if (typeof value === 'bigint') w.int(value);
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) w.int(value);
      else w.float(value);
    } else if (typeof value === 'string') w.string(value);
    else if (isNdArray(value)) {
      checkNdArray(value, path);
      pickleTensor(w, value, storages.length);
      storages.push(value);
    } else if (Array.isArray(value)) {
      w.op(0x5d); // EMPTY_LIST
      if (value.length > 0) {
        w.mark();
        value.forEach((v, i) => {
          visit(v, `${path}[${i}]`);
        });
        w.op(0x65); // APPENDS
      }
    } else if (value instanceof Namespace) {
      // argparse.Namespace pickles (protocol 2) as NEWOBJ of the class, then BUILD with its __dict__.
      w.global('argparse', 'Namespace').op(0x29).op(0x81).op(0x7d); // (), NEWOBJ, EMPTY_DICT
      items(Object.entries(value.attributes), path);
      w.op(0x62); // BUILD
    } else if (value instanceof Map) {
      w.global('collections', 'OrderedDict').op(0x29).op(0x52); // OrderedDict()
      items(value.entries(), path);
    } else if (typeof value === 'object') {
      w.op(0x7d); // EMPTY_DICT
      items(Object.entries(value), path);
    } else {
      throw new TypeError(
        `${path}: expected a tensor, number, string, bool, null, list, Map, object or Namespace, got ${typeof value}`,
      );
    }
    depth.now--;
  };
  visit(root, 'root');
  return w.finish();
}

/**
 * Writes tensors as a `torch.save` checkpoint (zip format, as PyTorch ≥ 1.6 writes a state dict):
 * `torch.load` reads it back as an `OrderedDict` of tensors. Storages are stored uncompressed and
 * 64-byte aligned; zip64 records are written past 4 GiB. Tensors are written as they come from the
 * iterable, so a generator keeps memory to one tensor at a time.
 */
export async function writeCheckpoint(path: string, tensors: TensorSource): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${typeof path}`);
  if (typeof tensors !== 'object' || tensors === null) {
    throw new TypeError(
      `tensors: expected a Map, an object or an iterable of [name, NdArray], got ${tensors}`,
    );
  }
  const entries: Iterable<[string, NdArray]> =
    tensors instanceof Map || Symbol.iterator in tensors
      ? (tensors as Iterable<[string, NdArray]>)
      : Object.entries(tensors as Record<string, NdArray>);
  const listed: { name: string; dtype: DType; shape: number[] }[] = [];
  const storages = function* () {
    for (const [name, array] of entries) {
      checkNdArray(array, `tensors['${name}']`);
      storageName(array.dtype);
      listed.push({ name, dtype: array.dtype, shape: [...array.shape] });
      yield array;
    }
  };
  await writeArchive(path, storages(), () => stateDictPickle(listed));
}

/**
 * Writes a nested checkpoint, as `torch.save(tree, path)` would: e.g. the released DiT1D layout
 * `{ model: stateDict, ema: stateDict, args: new Namespace({...}) }`, which `torch.load` (and
 * {@link readCheckpoint}) read back with the same structure. `Map`s become `OrderedDict`s, plain
 * objects `dict`s.
 *
 * @example
 * ```ts
 * await writeCheckpointTree('fsdd_tiny.pth', { model: sd, ema: emaSd, args: new Namespace({ num_heads: 4 }) });
 * ```
 */
export async function writeCheckpointTree(path: string, root: CheckpointValue): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${typeof path}`);
  const storages: NdArray[] = [];
  const pickle = treePickle(root, storages);
  await writeArchive(path, storages, () => pickle);
}

/** The zip archive of a checkpoint: storages `data/0…` as they come, then `data.pkl`, byteorder, version. */
async function writeArchive(
  path: string,
  storages: Iterable<NdArray>,
  pickle: () => Uint8Array,
): Promise<void> {
  const file = await createFile(path);
  try {
    const zip = new ZipBuilder();
    let position = 0;
    const write = async (bytes: Uint8Array) => {
      await file.write(bytes, position);
      position += bytes.length;
    };
    const member = async (name: string, data: Uint8Array, align?: number) => {
      await write(
        zip.localHeader({
          name,
          method: 0,
          crc32: crc32(data),
          compressedSize: data.length,
          size: data.length,
          align,
        }),
      );
      await write(data);
    };
    let index = 0;
    for (const array of storages) await member(`archive/data/${index++}`, bytesOf(array.data), 64);
    // torch finds members by name, so data.pkl may follow the storages.
    await member('archive/data.pkl', pickle(), 64);
    await member('archive/byteorder', new TextEncoder().encode('little'));
    await member('archive/version', new TextEncoder().encode('3\n'));
    await write(zip.end());
  } finally {
    await file.close();
  }
}

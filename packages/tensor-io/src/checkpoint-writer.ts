import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { bytesOf, type DType, type NdArray } from './dtype.js';
import { checkNdArray } from './npy.js';
import { PickleWriter } from './pickle-writer.js';
import { contiguousStrides } from './strided.js';
import { ZipBuilder } from './zip.js';

const STORAGE_NAMES: Readonly<Record<DType, string>> = {
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

/** Tensors to write: a Map, an object, or any iterable of `[name, array]` (e.g. a generator, to bound memory). */
export type TensorSource = Map<string, NdArray> | Record<string, NdArray> | Iterable<[string, NdArray]>;

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
    const numel = t.shape.reduce((a, b) => a * b, 1);
    w.string(t.name).global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark().string('storage').global('torch', STORAGE_NAMES[t.dtype]).string(String(i)).string('cpu');
    w.int(numel).op(0x74).op(0x51); // persistent id tuple, BINPERSID
    w.int(0).intTuple(t.shape).intTuple(contiguousStrides(t.shape));
    w.op(0x89).global('collections', 'OrderedDict').op(0x29).op(0x52); // False, OrderedDict()
    w.op(0x74).op(0x52).op(0x73); // args tuple, REDUCE, SETITEM
  });
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
  const handle = await open(path, 'w');
  try {
    const zip = new ZipBuilder();
    let position = 0;
    const write = async (bytes: Uint8Array) => {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
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
    const listed: { name: string; dtype: DType; shape: number[] }[] = [];
    for (const [name, array] of entries) {
      checkNdArray(array, `tensors['${name}']`);
      await member(`archive/data/${listed.length}`, bytesOf(array.data), 64);
      listed.push({ name, dtype: array.dtype, shape: [...array.shape] });
    }
    // torch finds members by name, so data.pkl may follow the storages.
    await member('archive/data.pkl', stateDictPickle(listed), 64);
    await member('archive/byteorder', new TextEncoder().encode('little'));
    await member('archive/version', new TextEncoder().encode('3\n'));
    await write(zip.end());
  } finally {
    await handle.close();
  }
}

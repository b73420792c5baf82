import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NpyError,
  readCheckpoint,
  readNpy,
  readNpz,
  rowMajorOf,
  type StridedArray,
  toNdarray,
  viewNpy,
} from '@tokenset/tensor-io';
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const npyPath = (name: string) => join(fixtures, 'npy', name);

/** Every element of an ndarray, in row-major order of its indices. */
function elements(view: ndarray.NdArray<ndarray.Data<number | bigint>>): (number | bigint)[] {
  const out: (number | bigint)[] = [];
  const index = new Array<number>(view.shape.length).fill(0);
  const total = view.shape.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    out.push(view.get(...index));
    for (let k = index.length - 1; k >= 0; k--) {
      if (++index[k] < view.shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

describe('toNdarray', () => {
  it('wraps readNpy results as ndarray views of the same data (no copy), shape and strides kept', async () => {
    const array = await readNpy(npyPath('int32.npy'));
    const view = toNdarray(array, ndarray);
    expect(view.data).toBe(array.data);
    expect(view.shape).toEqual([3, 4, 5]);
    expect(view.stride).toEqual([20, 5, 1]);
    expect(view.offset).toBe(0);
    expect(elements(view)).toEqual([...(array.data as Int32Array)]);
    expect(view.get(2, 3, 4)).toBe((array.data as Int32Array)[59]);
  });

  it('wraps readNpz members, uint64 included', async () => {
    const npz = await readNpz(npyPath('unsigned.npz'));
    const u8 = npz.get('uint64')!;
    const view = toNdarray(u8, ndarray);
    expect(view.data).toBe(u8.data);
    expect(view.get(3)).toBe(2n ** 64n - 1n);
  });

  it('refuses a missing factory or a non-array', async () => {
    const array = await readNpy(npyPath('vector.npy'));
    expect(() => toNdarray(array, undefined as never)).toThrow(/factory: expected the ndarray function/);
    expect(() => toNdarray({} as never, ndarray)).toThrow(/array: expected an NdArray or a StridedArray/);
  });
});

describe('viewNpy', () => {
  it("views a file's bytes without a copy, Fortran order kept as column-major strides", async () => {
    const bytes = new Uint8Array(await readFile(npyPath('float64_fortran.npy')));
    const strided = viewNpy(bytes);
    expect(strided.data.buffer).toBe(bytes.buffer);
    expect(strided.strides).toEqual([1, 3, 12]);
    const view = toNdarray(strided, ndarray);
    expect(view.data).toBe(strided.data);
    const rowMajor = await readNpy(npyPath('float64.npy'));
    expect(elements(view)).toEqual([...(rowMajor.data as Float64Array)]);
  });

  it('copies big-endian data once into native order', async () => {
    const bytes = new Uint8Array(await readFile(npyPath('uint32_extremes_bigendian.npy')));
    const strided = viewNpy(bytes);
    expect(strided.data.buffer).not.toBe(bytes.buffer);
    expect([...(strided.data as Uint32Array)]).toEqual([0, 1, 2 ** 31, 2 ** 32 - 1]);
  });

  it('rejects what parseNpy rejects', () => {
    expect(() => viewNpy(new Uint8Array(4))).toThrow(NpyError);
  });
});

describe('TensorRef.readStrided', () => {
  it('keeps the strides of transposed and shared-storage views; ndarray reads the same values as read()', async () => {
    const ckpt = await readCheckpoint(join(fixtures, 'checkpoints', 'edge.pth'));
    try {
      const tensors = ckpt.tensors();
      for (const name of ['views.transposed', 'views.sliced', 'views.permuted', 'shared.d', 'dtypes.int64']) {
        const ref = tensors.get(name)!;
        const strided: StridedArray = await ref.readStrided!();
        expect(strided.shape).toEqual(ref.shape);
        const view = toNdarray(strided, ndarray);
        expect(view.data).toBe(strided.data);
        expect(elements(view)).toEqual([...(await ref.read())]);
      }
      const transposed = tensors.get('views.transposed')!;
      const [rows, columns] = transposed.shape;
      expect((await transposed.readStrided!()).strides).toEqual([1, rows]);
      expect(columns).toBeGreaterThan(1);
    } finally {
      await ckpt.close();
    }
  });
});

describe('rowMajorOf', () => {
  const store = Uint8Array.from({ length: 24 }, (_, i) => i);
  it('returns a subarray of a row-major view (no copy)', () => {
    const view = ndarray(store, [2, 3, 4]).lo(1, 0, 0);
    const { data, shape } = rowMajorOf(view, 'x');
    expect(shape).toEqual([1, 3, 4]);
    expect(data.buffer).toBe(store.buffer);
    expect([...data]).toEqual([...store.subarray(12)]);
  });

  it('gathers transposed and reversed views', () => {
    const t = ndarray(store, [2, 3, 4]).transpose(2, 0, 1);
    const { data, shape } = rowMajorOf(t, 'x');
    expect(shape).toEqual([4, 2, 3]);
    expect([...data]).toEqual(elements(t));
    const reversed = ndarray(store, [24]).step(-1);
    expect([...rowMajorOf(reversed, 'x').data]).toEqual([...store].reverse());
  });

  it('names the argument and says what was wrong', () => {
    expect(() => rowMajorOf({ data: [1, 2], shape: [2], stride: [1], offset: 0 } as never, 'images')).toThrow(
      /images: expected an ndarray \{data: typed array, shape, stride, offset\}, got Object/,
    );
    expect(() => rowMajorOf({ data: store, shape: [5, 5], stride: [5, 1], offset: 0 }, 'images')).toThrow(
      'images: expected a view inside its 24 elements, got one reaching elements 0..24',
    );
    expect(() => rowMajorOf({ data: store, shape: [2], stride: [1, 1], offset: 0 }, 'images')).toThrow(
      /one stride each/,
    );
  });
});

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DTYPES,
  encodeNpy,
  encodeNpz,
  type NdArray,
  NpyError,
  parseNpy,
  readNpy,
  readNpz,
  type TypedArray,
  writeNpy,
  writeNpz,
} from '@tokenset/tensor-io';
import { describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
interface Expected {
  dtype: string;
  shape: number[];
  hex: string;
}
const expected: Record<string, Expected> = JSON.parse(
  await readFile(join(fixtures, 'npy', 'expected.json'), 'utf8'),
);
const hexOf = (data: TypedArray) =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');

describe('readNpy on files written by NumPy', () => {
  const files = Object.keys(expected).filter((k) => k.endsWith('.npy'));
  it.each(files)('%s', async (file) => {
    const e = expected[file];
    const array = await readNpy(join(fixtures, 'npy', file));
    expect(array.dtype).toBe(e.dtype);
    expect(array.shape).toEqual(e.shape);
    expect(hexOf(array.data)).toBe(e.hex);
  });

  it('covers every dtype in C and Fortran order', () => {
    for (const dtype of DTYPES) {
      expect(files).toContain(`${dtype}.npy`);
      expect(files).toContain(`${dtype}_fortran.npy`);
    }
  });
});

describe('readNpz on archives written by NumPy', () => {
  it.each(['stored.npz', 'deflated.npz'])('%s', async (file) => {
    const arrays = await readNpz(join(fixtures, 'npy', file));
    expect([...arrays.keys()]).toEqual(['a', 'b', 'c']);
    for (const [key, array] of arrays) {
      const e = expected[`npz:${key}`];
      expect(array.dtype).toBe(e.dtype);
      expect(array.shape).toEqual(e.shape);
      expect(hexOf(array.data)).toBe(e.hex);
    }
  });
});

describe('unsigned dtypes and refusals, files written by NumPy', () => {
  it('reads u2, u4 and u8 extremes (u8 as BigUint64Array), little and big endian, and in an .npz', async () => {
    for (const dtype of ['uint16', 'uint32', 'uint64']) {
      const little = await readNpy(join(fixtures, 'npy', `${dtype}_extremes.npy`));
      const big = await readNpy(join(fixtures, 'npy', `${dtype}_extremes_bigendian.npy`));
      expect(big).toEqual(little);
      expect(little.dtype).toBe(dtype);
    }
    const u8 = await readNpy(join(fixtures, 'npy', 'uint64_extremes.npy'));
    expect(u8.data).toBeInstanceOf(BigUint64Array);
    expect([...(u8.data as BigUint64Array)]).toEqual([0n, 1n, 2n ** 63n, 2n ** 64n - 1n]);
    const u4 = await readNpy(join(fixtures, 'npy', 'uint32_extremes_bigendian.npy'));
    expect([...(u4.data as Uint32Array)]).toEqual([0, 1, 2 ** 31, 2 ** 32 - 1]);
    const npz = await readNpz(join(fixtures, 'npy', 'unsigned.npz'));
    for (const [key, array] of npz) {
      const e = expected[`unsigned.npz:${key}`];
      expect([array.dtype, array.shape, hexOf(array.data)]).toEqual([e.dtype, e.shape, e.hex]);
    }
  });

  it('refuses complex and long double files, saying what it expected and what it found', async () => {
    const refused: Record<string, string> = JSON.parse(
      await readFile(join(fixtures, 'npy', 'refused', 'refused.json'), 'utf8'),
    );
    for (const [file, descr] of Object.entries(refused)) {
      const error = await readNpy(join(fixtures, 'npy', 'refused', file)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NpyError);
      expect((error as Error).message).toContain(JSON.stringify(descr));
      if (descr.includes('c')) expect((error as Error).message).toMatch(/expected a real dtype.*interleaved/);
      else expect((error as Error).message).toMatch(/expected one of .*u2, u4, u8/);
    }
  });
});

describe('the reference data (copied subset)', async () => {
  const summary: Record<
    string,
    Record<string, { dtype: string; shape: number[]; sha256: string }>
  > = JSON.parse(await readFile(join(fixtures, 'reference', 'reference-summary.json'), 'utf8'));
  const { readdir } = await import('node:fs/promises');
  const present = (await readdir(join(fixtures, 'reference'), { recursive: true }))
    .map((p) => p.split('\\').join('/'))
    .filter((p) => p.endsWith('.npy') || p.endsWith('.npz'));
  it('has a useful subset', () => {
    expect(present.length).toBeGreaterThan(60);
  });
  it.each(present)('%s matches what NumPy read', async (rel) => {
    const path = join(fixtures, 'reference', rel);
    const arrays = rel.endsWith('.npz') ? await readNpz(path) : new Map([['', await readNpy(path)]]);
    const want = summary[rel];
    expect([...arrays.keys()].sort()).toEqual(Object.keys(want).sort());
    for (const [key, array] of arrays) {
      expect(array.dtype).toBe(want[key].dtype);
      expect(array.shape).toEqual(want[key].shape);
      const hash = createHash('sha256')
        .update(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength))
        .digest('hex');
      expect(hash).toBe(want[key].sha256);
    }
  });
});

function sample(dtype: NdArray['dtype'], shape: number[]): NdArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(n * { float64: 8, int64: 8, float32: 4, int32: 4 }[dtype as 'int32'] || n * 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  const data = {
    float32: () => new Float32Array(n).map((_, i) => i * 0.5 - 3),
    float64: () => new Float64Array(n).map((_, i) => i / 3),
    float16: () => new Uint16Array(n).map((_, i) => 0x3c00 + i),
    bfloat16: () => new Uint16Array(n).map((_, i) => 0x3f80 + i),
    int64: () => new BigInt64Array(n).map((_, i) => BigInt(i) * -12345678901n),
    int32: () => new Int32Array(n).map((_, i) => i * -100003),
    int16: () => new Int16Array(n).map((_, i) => i * -1003),
    int8: () => new Int8Array(n).map((_, i) => i - 60),
    uint8: () => new Uint8Array(n).map((_, i) => i * 3),
    uint16: () => new Uint16Array(n).map((_, i) => 65535 - i * 7),
    uint32: () => new Uint32Array(n).map((_, i) => 4294967295 - i * 100003),
    uint64: () => new BigUint64Array(n).map((_, i) => 2n ** 64n - 1n - BigInt(i) * 12345678901n),
    bool: () => new Uint8Array(n).map((_, i) => i % 2),
  }[dtype]();
  return { dtype, shape, data };
}

describe('encodeNpy / parseNpy', () => {
  it.each(DTYPES)('round-trips %s in C and Fortran order', (dtype) => {
    for (const shape of [[], [0], [5], [2, 3], [2, 3, 4], [3, 0, 2]]) {
      const a = sample(dtype, shape);
      for (const fortranOrder of [false, true]) {
        const bytes = encodeNpy(a, { fortranOrder });
        expect(bytes.length % 64).toBe((a.data.byteLength % 64 === 0 ? 0 : a.data.byteLength) % 64);
        const b = parseNpy(bytes);
        expect(b).toEqual(a);
      }
    }
  });

  it('writes the layout NumPy writes', async () => {
    const original = await readFile(join(fixtures, 'npy', 'float32.npy'));
    const array = parseNpy(original);
    expect(Buffer.from(encodeNpy(array)).equals(original)).toBe(true);
    const fortran = await readFile(join(fixtures, 'npy', 'float32_fortran.npy'));
    expect(Buffer.from(encodeNpy(array, { fortranOrder: true })).equals(fortran)).toBe(true);
  });

  it('widens half floats and narrows int64 on request', () => {
    const h = parseNpy(
      encodeNpy({ dtype: 'float16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x7c00]) }),
      {
        widenHalf: true,
      },
    );
    expect(h.dtype).toBe('float32');
    expect(Array.from(h.data as Float32Array)).toEqual([1, -2, Number.POSITIVE_INFINITY]);
    const b = parseNpy(
      encodeNpy({ dtype: 'bfloat16', shape: [2], data: new Uint16Array([0x3fc0, 0xbf80]) }),
      {
        widenHalf: true,
      },
    );
    expect(Array.from(b.data as Float32Array)).toEqual([1.5, -1]);
    const small = encodeNpy({
      dtype: 'int64',
      shape: [3],
      data: new BigInt64Array([-5n, 2n ** 31n - 1n, -(2n ** 31n)]),
    });
    const n = parseNpy(small, { int64: 'int32' });
    expect(n.dtype).toBe('int32');
    expect(Array.from(n.data as Int32Array)).toEqual([-5, 2 ** 31 - 1, -(2 ** 31)]);
    const big = encodeNpy({ dtype: 'int64', shape: [2], data: new BigInt64Array([1n, 2n ** 31n]) });
    expect(() => parseNpy(big, { int64: 'int32' })).toThrow(RangeError);
    expect(() => parseNpy(big, { int64: 'int16' as 'int32' })).toThrow(RangeError);
  });

  it('rejects malformed files with NpyError', () => {
    const good = encodeNpy(sample('float32', [2, 3]));
    expect(() => parseNpy(good.subarray(0, 5))).toThrow(NpyError);
    expect(() => parseNpy(good.subarray(0, 130))).toThrow(/more elements than/);
    const header = (text: string) => {
      const body = new TextEncoder().encode(text);
      const out = new Uint8Array(10 + body.length + 8);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      new DataView(out.buffer).setUint16(8, body.length, true);
      out.set(body, 10);
      return out;
    };
    expect(() => parseNpy(header("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"))).toThrow(
      /expected a real dtype/,
    );
    expect(() =>
      parseNpy(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }")),
    ).toThrow(/structured/);
    expect(() => parseNpy(header("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }"))).toThrow(NpyError);
    expect(() => parseNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))).toThrow(
      NpyError,
    );
    expect(() =>
      parseNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }")),
    ).toThrow(NpyError);
    expect(() => parseNpy(header("{'descr': '<f4', 'shape': (1,), }"))).toThrow(/fortran_order/);
    expect(() => parseNpy(header('__import__("os")'))).toThrow(NpyError);
    expect(() => parseNpy('x' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('checks the array it encodes', () => {
    expect(() => encodeNpy({ dtype: 'float32', shape: [3], data: new Float32Array(2) })).toThrow(RangeError);
    expect(() => encodeNpy({ dtype: 'float32', shape: [2], data: new Float64Array(2) })).toThrow(TypeError);
    expect(() =>
      encodeNpy({ dtype: 'complex64' as 'float32', shape: [2], data: new Float32Array(2) }),
    ).toThrow(RangeError);
  });
});

describe('encodeNpz / writeNpz / writeNpy', () => {
  it('round-trips through files, stored and deflated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tensor-io-'));
    try {
      const arrays = { x: sample('float32', [4, 5]), y: sample('int64', [3]), z: sample('bool', []) };
      for (const compress of [false, true]) {
        await writeNpz(join(dir, 'a.npz'), arrays, { compress });
        const back = await readNpz(join(dir, 'a.npz'));
        expect(Object.fromEntries(back)).toEqual(arrays);
      }
      const fromMap = await readNpz(encodeNpz(new Map(Object.entries(arrays)), { compress: true }));
      expect(fromMap.get('y')).toEqual(arrays.y);
      await writeNpy(join(dir, 'x.npy'), arrays.x, { fortranOrder: true });
      expect(await readNpy(join(dir, 'x.npy'))).toEqual(arrays.x);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a corrupt archive with NpyError', async () => {
    const bytes = encodeNpz({ x: sample('float32', [16]) });
    await expect(readNpz(bytes.subarray(0, bytes.length - 30))).rejects.toThrow(NpyError);
    const flipped = bytes.slice();
    flipped[120] ^= 0x10; // inside the member data: the CRC-32 catches it
    await expect(readNpz(flipped)).rejects.toThrow(/CRC-32/);
    await expect(readNpz(42 as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });
});

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CheckpointError,
  PickleObject,
  readCheckpoint,
  readFloat32StateDict,
  readNpz,
  type TypedArray,
  writeCheckpoint,
} from '@tokenset/tensor-io';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('./fixtures/checkpoints/', import.meta.url));
type Expected = Record<string, { dtype: string; shape: number[]; sha256: string }>;
const expectedOf = async (name: string): Promise<Expected> =>
  JSON.parse(await readFile(join(dir, `${name}.expected.json`), 'utf8'));
const sha = (data: TypedArray) =>
  createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');

describe('readCheckpoint reads every tensor bit-identically to torch.load', () => {
  it.each([
    'dit1d',
    'tokenizer',
    'edge',
    'edge-protocol4',
    'edge-protocol5',
    'deflated',
    'zip64',
    'legacy-edge',
  ])('%s.pth', async (name) => {
    const expected = await expectedOf(name);
    const ckpt = await readCheckpoint(join(dir, `${name}.pth`));
    try {
      const tensors = ckpt.tensors();
      expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
      for (const [key, tensor] of tensors) {
        const e = expected[key];
        expect(tensor.name).toBe(key);
        expect([key, tensor.dtype, tensor.shape]).toEqual([key, e.dtype, e.shape]);
        const data = await tensor.read();
        expect([key, sha(data)]).toEqual([key, e.sha256]);
      }
    } finally {
      await ckpt.close();
    }
  });

  it('matches the .npy dumps of the tiny DiT1D checkpoint value for value', async () => {
    const dump = await readNpz(join(dir, 'dit1d.tensors.npz'));
    const ckpt = await readCheckpoint(new Uint8Array(await readFile(join(dir, 'dit1d.pth'))));
    const tensors = ckpt.tensors();
    expect(tensors.size).toBe(dump.size);
    for (const [key, array] of dump) {
      const t = tensors.get(key)!;
      expect(t.shape).toEqual(array.shape);
      expect(await t.read()).toEqual(array.data);
    }
    await ckpt.close();
  });
});

describe('checkpoint structure', () => {
  it('keeps {"model", "ema", "opt", "args"} with an argparse.Namespace as an inert record', async () => {
    const ckpt = await readCheckpoint(join(dir, 'dit1d.pth'));
    const root = ckpt.root as Map<string, unknown>;
    expect([...root.keys()]).toEqual(['model', 'ema', 'opt', 'args']);
    const args = root.get('args') as PickleObject;
    expect(args).toBeInstanceOf(PickleObject);
    expect(args.fullName).toBe('argparse.Namespace');
    expect(args.state).toBeInstanceOf(Map);
    const ema = ckpt.tensors('ema.');
    expect(ema.has('pos_embed')).toBe(true);
    expect([...ema.keys()].every((k) => !k.startsWith('ema.'))).toBe(true);
    expect(ema.get('pos_embed')!.name).toBe('pos_embed');
    const model = ckpt.tensors('model.');
    expect([...model.keys()]).toEqual([...ema.keys()]);
    await ckpt.close();
  });

  it.each(['edge', 'edge-protocol5'])(
    '%s: reads plain values, views, shared storages, empty and 0-d tensors',
    async (name) => {
      const ckpt = await readCheckpoint(join(dir, `${name}.pth`));
      const root = ckpt.root as Map<string, unknown>;
      const misc = root.get('misc') as Map<unknown, unknown>;
      expect(misc.get('int')).toBe(5);
      expect(misc.get('big')).toBe(2n ** 70n);
      expect(misc.get('neg')).toBe(-(2 ** 40));
      expect(misc.get('float')).toBe(1.25);
      expect(misc.get('text')).toBe('é∑');
      expect(misc.get('bytes')).toEqual(new Uint8Array([0, 1, 255]));
      expect(misc.get('none')).toBeNull();
      expect(misc.get('bool')).toBe(true);
      expect(misc.get('set')).toEqual(new Set([1, 2]));
      expect(misc.get(7)).toBe('int key');
      const t = ckpt.tensors();
      expect(t.get('scalar')!.shape).toEqual([]);
      expect(Array.from((await t.get('scalar')!.read()) as Float32Array)).toEqual([3.5]);
      expect(await t.get('scalar_int')!.read({ int64: 'int32' })).toEqual(new Int32Array([-7]));
      expect(t.get('empty')!.shape).toEqual([0, 3]);
      expect((await t.get('empty')!.read()).length).toBe(0);
      const a = (await t.get('shared.a')!.read()) as Float32Array;
      const b = (await t.get('shared.b')!.read()) as Float32Array;
      expect(Array.from(b)).toEqual(Array.from(a.subarray(5)));
      const d = (await t.get('shared.d')!.read()) as Float32Array;
      expect(d[1]).toBe(a[6]); // (4, 6) transposed: d[0][1] = base[1 * 6 + 0]
      expect(Array.from((await t.get('views.expanded')!.read()) as Float32Array)).toEqual([
        1.5, 1.5, 1.5, -2, -2, -2,
      ]);
      const half = await t.get('dtypes.float16')!.read({ widenHalf: true });
      expect(half).toBeInstanceOf(Float32Array);
      const ns = t.get('args.mask')!;
      expect(ns.dtype).toBe('bool');
      expect(Array.from((await ns.read()) as Uint8Array)).toEqual([1, 0]);
      await ckpt.close();
      await expect(t.get('scalar')!.read()).rejects.toThrow(/closed/);
    },
  );

  it('readFloat32StateDict widens and skips non-float tensors', async () => {
    const ckpt = await readCheckpoint(join(dir, 'edge.pth'));
    const sd = await readFloat32StateDict(ckpt, 'dtypes.');
    expect([...sd.keys()]).toEqual(['float32', 'float16', 'bfloat16', 'float64']);
    for (const { data, shape } of sd.values()) {
      expect(data).toBeInstanceOf(Float32Array);
      expect(shape).toEqual([2, 3]);
    }
    const f64 = (await ckpt.tensors('dtypes.').get('float64')!.read()) as Float64Array;
    expect(Array.from(sd.get('float64')!.data)).toEqual(Array.from(f64, Math.fround));
    await expect(readFloat32StateDict(ckpt, 'nothing.')).rejects.toThrow(CheckpointError);
    const dit = await readCheckpoint(join(dir, 'dit1d.pth'));
    const ema = await readFloat32StateDict(dit, 'ema.');
    const dump = await readNpz(join(dir, 'dit1d.tensors.npz'));
    expect(ema.size).toBeGreaterThan(10);
    for (const [name, { shape, data }] of ema) {
      expect(shape).toEqual(dump.get(`ema.${name}`)!.shape);
      expect(data).toEqual(dump.get(`ema.${name}`)!.data);
    }
    await dit.close();
    await ckpt.close();
  });

  it('reads only the storage a tensor needs (a corrupt storage fails only its own tensors, when verified)', async () => {
    const bytes = new Uint8Array(await readFile(join(dir, 'edge.pth')));
    const ckpt0 = await readCheckpoint(bytes);
    const names = [...ckpt0.tensors().keys()];
    await ckpt0.close();
    // Corrupt the last stored member's data (found through the zip's own structure).
    const text = Buffer.from(bytes).toString('latin1');
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    let start = -1;
    for (let at = text.indexOf('PK\x03\x04'); at >= 0; at = text.indexOf('PK\x03\x04', at + 4)) {
      const nameLength = dv.getUint16(at + 26, true);
      if (text.slice(at + 30, at + 30 + nameLength).startsWith('edge/data/')) {
        start = at + 30 + nameLength + dv.getUint16(at + 28, true);
      }
    }
    const broken = bytes.slice();
    broken[start] ^= 0x40;
    // Like torch.load, the default does not check storages' CRC-32: the flipped value is read as is.
    const unchecked = await readCheckpoint(broken);
    const plain = await Promise.allSettled([...unchecked.tensors().values()].map((t) => t.read()));
    expect(plain.every((r) => r.status === 'fulfilled')).toBe(true);
    await unchecked.close();
    const ckpt = await readCheckpoint(broken, { verifyChecksums: true });
    const results = await Promise.allSettled([...ckpt.tensors().values()].map((t) => t.read()));
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(names.length);
    for (const f of failed) expect((f as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointError);
    await ckpt.close();
  });

  it('reads the legacy pre-1.6 format, lazily', async () => {
    const expected = await expectedOf('legacy');
    const ckpt = await readCheckpoint(join(dir, 'legacy.pth'));
    const tensors = ckpt.tensors();
    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [key, tensor] of tensors) {
      expect([key, tensor.dtype, tensor.shape]).toEqual([key, expected[key].dtype, expected[key].shape]);
      expect([key, sha(await tensor.read())]).toEqual([key, expected[key].sha256]);
    }
    expect((ckpt.root as Map<string, unknown>).get('step')).toBe(3);
    await ckpt.close();
    const bytes = await readFile(join(dir, 'legacy.pth'));
    await expect(readCheckpoint(bytes.subarray(0, bytes.length - 10))).rejects.toThrow(CheckpointError);
  });

  it('refuses the tar format of PyTorch <= 0.1.10 saying how to convert it', async () => {
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    await expect(readCheckpoint(tar)).rejects.toThrow(/torch\.save\(torch\.load\(f\), f2\)/);
  });

  it('refuses complex storages and the untyped storages of newer dtypes, saying what to save instead', async () => {
    const { ZipBuilder } = await import('../src/zip.js');
    const { PickleWriter } = await import('../src/pickle-writer.js');
    const { crc32 } = await import('node:zlib');
    const checkpointWith = (storageClass: string) => {
      // data.pkl: just a persistent id ('storage', torch.<class>, '0', 'cpu', 2).
      const w = new PickleWriter().mark().string('storage').global('torch', storageClass);
      const pickle = w.string('0').string('cpu').int(2).op(0x74).op(0x51).finish();
      const zb = new ZipBuilder();
      const header = zb.localHeader({
        name: 'a/data.pkl',
        method: 0,
        crc32: crc32(pickle),
        compressedSize: pickle.length,
        size: pickle.length,
      });
      return new Uint8Array(Buffer.concat([header, pickle, zb.end()]));
    };
    await expect(readCheckpoint(checkpointWith('ComplexFloatStorage'))).rejects.toThrow(
      /expected one of torch\.FloatStorage.*, got .*ComplexFloatStorage \(complex tensors are not read: save torch\.view_as_real/,
    );
    await expect(readCheckpoint(checkpointWith('UntypedStorage'))).rejects.toThrow(
      /got .*UntypedStorage \(a newer dtype such as uint16, uint32, uint64 or float8/,
    );
  });

  it('never calls globals: an os.system reduce stays an inert record', async () => {
    // A zip checkpoint whose data.pkl is `os.system('echo pwned')` inside a dict.
    const { ZipBuilder } = await import('../src/zip.js');
    const { crc32 } = await import('node:zlib');
    const pickle = Buffer.concat([
      Buffer.from([0x80, 0x02, 0x7d, 0x28]),
      Buffer.from([0x8c, 1]),
      Buffer.from('x'),
      Buffer.from('cos\nsystem\n', 'latin1'),
      Buffer.from([0x8c, 10]),
      Buffer.from('echo pwned'),
      Buffer.from([0x85, 0x52, 0x75, 0x2e]),
    ]);
    const zb = new ZipBuilder();
    const parts = [
      zb.localHeader({
        name: 'a/data.pkl',
        method: 0,
        crc32: crc32(pickle),
        compressedSize: pickle.length,
        size: pickle.length,
      }),
      pickle,
    ];
    parts.push(zb.end());
    const ckpt = await readCheckpoint(new Uint8Array(Buffer.concat(parts)));
    const x = (ckpt.root as Map<string, unknown>).get('x') as PickleObject;
    expect(x).toBeInstanceOf(PickleObject);
    expect([x.module, x.name, x.args]).toEqual(['os', 'system', ['echo pwned']]);
    expect(ckpt.tensors().size).toBe(0);
    await ckpt.close();
  });

  it('writeCheckpoint writes a state dict that reads back (and that torch.load reads: see tools/)', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const tmp = await mkdtemp(join(tmpdir(), 'tensor-io-'));
    try {
      const tensors = {
        'a.weight': { dtype: 'float32' as const, shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
        b: { dtype: 'int64' as const, shape: [], data: new BigInt64Array([2n ** 40n]) },
        c: { dtype: 'bfloat16' as const, shape: [2], data: new Uint16Array([0x3f80, 0xc000]) },
        d: { dtype: 'bool' as const, shape: [0, 2], data: new Uint8Array(0) },
      };
      await writeCheckpoint(join(tmp, 'w.pth'), tensors);
      const ckpt = await readCheckpoint(join(tmp, 'w.pth'));
      expect(ckpt.root).toBeInstanceOf(Map);
      const back = ckpt.tensors();
      expect([...back.keys()]).toEqual(Object.keys(tensors));
      for (const [name, t] of Object.entries(tensors)) {
        const ref = back.get(name)!;
        expect([ref.dtype, ref.shape]).toEqual([t.dtype, t.shape]);
        expect(await ref.read()).toEqual(t.data);
      }
      await ckpt.close();
      const u16 = { dtype: 'uint16' as const, shape: [1], data: new Uint16Array(1) };
      await expect(writeCheckpoint(join(tmp, 'u.pth'), { u16 })).rejects.toThrow(
        /expected a dtype with a torch storage class \(float32, .*\), got uint16/,
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('reads a tensor past 4 GiB through zip64 records, by offset (a sparse file)', async () => {
    const { mkdtemp, open, rm, stat } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { ZipBuilder } = await import('../src/zip.js');
    const { crc32 } = await import('node:zlib');
    const tmp = await mkdtemp(join(tmpdir(), 'tensor-io-'));
    const path = join(tmp, 'big.pth');
    try {
      // One 4.5 GiB float32 storage (a hole in the file but its last 16 bytes) and a tensor that views
      // those last 4 values; the storage's CRC is left at 0, so it is never verified.
      const numel = (4.5 * 2 ** 30) / 4;
      const zip = new ZipBuilder();
      const handle = await open(path, 'w');
      let position = 0;
      const write = async (bytes: Uint8Array, at = position) => {
        await handle.write(bytes, 0, bytes.length, at);
        position = Math.max(position, at + bytes.length);
      };
      const header = zip.localHeader({
        name: 'big/data/0',
        method: 0,
        crc32: 0,
        compressedSize: numel * 4,
        size: numel * 4,
        align: 64,
      });
      await write(header);
      const dataStart = position;
      await write(new Uint8Array(new Float32Array([1.5, -2, 3.25, 4]).buffer), dataStart + numel * 4 - 16);
      // The pickle: {'tail': a 4-value view at the end of the storage}.
      const { PickleWriter } = await import('../src/pickle-writer.js');
      const w = new PickleWriter();
      w.op(0x7d).string('tail').global('torch._utils', '_rebuild_tensor_v2').mark();
      w.mark()
        .string('storage')
        .global('torch', 'FloatStorage')
        .string('0')
        .string('cpu')
        .int(numel)
        .op(0x74)
        .op(0x51);
      w.int(numel - 4)
        .intTuple([4])
        .intTuple([1])
        .op(0x89)
        .op(0x29)
        .op(0x74)
        .op(0x52)
        .op(0x73);
      const pickle = w.finish();
      await write(
        zip.localHeader({
          name: 'big/data.pkl',
          method: 0,
          crc32: crc32(pickle),
          compressedSize: pickle.length,
          size: pickle.length,
        }),
      );
      await write(pickle);
      await write(zip.end());
      await handle.close();
      expect((await stat(path)).size).toBeGreaterThan(2 ** 32);
      const ckpt = await readCheckpoint(path);
      const tail = ckpt.tensors().get('tail')!;
      expect(tail.shape).toEqual([4]);
      expect(Array.from((await tail.read()) as Float32Array)).toEqual([1.5, -2, 3.25, 4]);
      await ckpt.close();
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('rejects wrong arguments and non-checkpoints', async () => {
    await expect(readCheckpoint(5 as unknown as string)).rejects.toThrow(TypeError);
    await expect(readCheckpoint(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(CheckpointError);
    await expect(readCheckpoint(await readFile(join(dir, '..', 'npy', 'stored.npz')))).rejects.toThrow(
      /data\.pkl/,
    );
  });
});

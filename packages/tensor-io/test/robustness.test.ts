// Mutates checkpoint and NumPy fixtures thousands of ways and checks that every case ends in a
// typed error (or, where a mutation is invisible by construction, in the original result) quickly,
// without a crash and without large allocations.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { CheckpointError, NpyError, parseNpy, readCheckpoint, readNpz } from '@tokenset/tensor-io';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../src/byte-source.js';
import { PickleWriter } from '../src/pickle-writer.js';
import { ZipBuilder, ZipReader } from '../src/zip.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const load = async (rel: string) => new Uint8Array(await readFile(join(fixtures, rel)));

type Outcome = 'error' | 'same' | 'different';
interface Tally {
  cases: number;
  outcomes: Record<Outcome, number>;
  untyped: string[];
  slow: string[];
}
let lastLabel = '';
let slowest = 0;
const tally: Tally = { cases: 0, outcomes: { error: 0, same: 0, different: 0 }, untyped: [], slow: [] };

async function fingerprintCheckpoint(bytes: Uint8Array): Promise<string> {
  // With CRC-32 checks of the storages: a flipped data bit is otherwise a valid (different) file.
  const ckpt = await readCheckpoint(bytes, { verifyChecksums: true });
  try {
    const parts: string[] = [];
    for (const [name, t] of ckpt.tensors()) {
      const data = await t.read();
      parts.push(
        `${name}:${t.dtype}:${t.shape}:${crc32(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))}`,
      );
    }
    return parts.join('|');
  } finally {
    await ckpt.close();
  }
}

async function fingerprintNumpy(bytes: Uint8Array): Promise<string> {
  const arrays = bytes[0] === 0x50 ? await readNpz(bytes) : new Map([['', parseNpy(bytes)]]);
  return [...arrays]
    .map(
      ([k, a]) =>
        `${k}:${a.dtype}:${a.shape}:${crc32(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength))}`,
    )
    .join('|');
}

/** Runs one mutated case and classifies it; untyped errors and slow cases are recorded. */
async function attempt(label: string, bytes: Uint8Array, kind: 'checkpoint' | 'numpy', baseline: string) {
  tally.cases++;
  lastLabel = label;
  // The 1 s budget is on this process's CPU time: on a shared machine, wall-clock time also counts
  // other processes' work. Wall-clock time still catches a case that waits instead of working.
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let outcome: Outcome;
  try {
    const fp = kind === 'checkpoint' ? await fingerprintCheckpoint(bytes) : await fingerprintNumpy(bytes);
    outcome = fp === baseline ? 'same' : 'different';
  } catch (error) {
    const typed = kind === 'checkpoint' ? error instanceof CheckpointError : error instanceof NpyError;
    if (!typed)
      tally.untyped.push(`${label}: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    outcome = 'error';
  }
  const cpu = process.cpuUsage(cpuStart);
  const ms = (cpu.user + cpu.system) / 1000;
  const wallMs = performance.now() - start;
  slowest = Math.max(slowest, ms);
  if (ms > 1000 || wallMs > 10_000) {
    tally.slow.push(`${label}: ${ms.toFixed(0)} ms CPU, ${wallMs.toFixed(0)} ms wall-clock`);
  }
  tally.outcomes[outcome]++;
  return outcome;
}

/** A one-member-per-storage checkpoint around a given data.pkl (valid CRCs: only the pickle is wrong). */
function checkpointWith(pickle: Uint8Array, storages: Uint8Array[] = [new Uint8Array(64)]): Uint8Array {
  const zip = new ZipBuilder();
  const parts: Uint8Array[] = [];
  const add = (name: string, data: Uint8Array) => {
    parts.push(
      zip.localHeader({
        name,
        method: 0,
        crc32: crc32(data),
        compressedSize: data.length,
        size: data.length,
      }),
    );
    parts.push(data);
  };
  add('t/data.pkl', pickle);
  for (const [i, s] of storages.entries()) add(`t/data/${i}`, s);
  parts.push(zip.end());
  return new Uint8Array(Buffer.concat(parts));
}

/** The pickle of `{'x': _rebuild_tensor_v2(storage, offset, size, stride)}` with arbitrary values. */
function tensorPickle(
  storage: string,
  numel: number | bigint,
  offset: number | bigint,
  size: (number | bigint)[],
  stride: (number | bigint)[],
) {
  const w = new PickleWriter();
  w.op(0x7d).string('x').global('torch._utils', '_rebuild_tensor_v2').mark();
  w.mark().string('storage').global('torch', storage).string('0').string('cpu').int(numel).op(0x74).op(0x51);
  w.int(offset).mark();
  for (const s of size) w.int(s);
  w.op(0x74).mark();
  for (const s of stride) w.int(s);
  w.op(0x74).op(0x89).op(0x29).op(0x74).op(0x52).op(0x73);
  return w.finish();
}

describe('robustness against corrupt and hostile files', () => {
  it('ends every one of at least 2,000 mutated files in a typed error within 1 s', async () => {
    const rssBefore = process.resourceUsage().maxRSS;
    // A small seeded generator (mulberry32) keeps the cases the same on every run.
    let seed = 0x7e5a10;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const names = ['edge.pth', 'deflated.pth', 'zip64.pth'];
    const originals = await Promise.all(names.map((n) => load(`checkpoints/${n}`)));
    const baselines = await Promise.all(originals.map((b) => fingerprintCheckpoint(b)));
    const mustError: Record<string, Outcome[]> = {};
    const record = (category: string, o: Outcome, label = '') => {
      if (!mustError[category]) mustError[category] = [];
      mustError[category].push(o);
      if (o !== 'error' && process.env.DEBUG_ROBUSTNESS) console.log(category, label || lastLabel, o);
    };

    // 1. Truncation at many offsets: always an error.
    for (const [k, bytes] of originals.entries()) {
      const step = Math.max(1, Math.floor(bytes.length / 300));
      for (let n = 0; n < bytes.length; n += step) {
        record(
          'truncation',
          await attempt(`${names[k]} cut at ${n}`, bytes.subarray(0, n), 'checkpoint', baselines[k]),
        );
      }
    }

    // The legacy format has no checksums: only truncation is tested on it.
    {
      const legacy = await load('checkpoints/legacy-edge.pth');
      const baseline = await fingerprintCheckpoint(legacy);
      for (let n = 0; n < legacy.length; n += Math.max(1, Math.floor(legacy.length / 200))) {
        record(
          'truncation',
          await attempt(`legacy-edge.pth cut at ${n}`, legacy.subarray(0, n), 'checkpoint', baseline),
        );
      }
    }

    // 2. Single bit flips: an error, or the original result when the bit is one the format ignores
    // (a timestamp, a version-made-by field, a local copy of a name). Never a different result.
    for (const [k, bytes] of originals.entries()) {
      for (let i = 0; i < 300; i++) {
        const mutated = bytes.slice();
        const at = Math.floor(random() * bytes.length);
        mutated[at] ^= 1 << Math.floor(random() * 8);
        const o = await attempt(`${names[k]} flip at ${at}`, mutated, 'checkpoint', baselines[k]);
        if (o === 'different') record('bit flip gives a different result', o);
      }
    }

    // 3. Absurd sizes and offsets in the zip directory: always an error.
    {
      const bytes = originals[0];
      const dv = new DataView(bytes.buffer, bytes.byteOffset);
      const eocd = bytes.length - 22;
      const cdOffset = dv.getUint32(eocd + 16, true);
      const count = dv.getUint16(eocd + 10, true);
      const absurd = [0xffffffff, 0xfffffffe, 0x7fffffff, bytes.length, bytes.length * 2 + 1];
      let p = cdOffset;
      for (let e = 0; e < count; e++) {
        const nameLength = dv.getUint16(p + 28, true);
        const next = p + 46 + nameLength + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
        const compressed = dv.getUint32(p + 20, true);
        for (const field of [20, 24, 42]) {
          for (const value of absurd) {
            if (field === 42 && value === 0xffffffff) continue; // needs a zip64 field: tested below
            const m = bytes.slice();
            new DataView(m.buffer).setUint32(p + field, value, true);
            // A stored member whose sizes stay equal and fit is not absurd: skip that combination.
            if (field !== 42 && value === compressed) continue;
            const label = `entry ${e} field ${field} = ${value}`;
            record('absurd zip field', await attempt(label, m, 'checkpoint', baselines[0]), label);
          }
        }
        p = next;
      }
      for (const [field, width] of [
        [8, 2],
        [10, 2],
        [12, 4],
        [16, 4],
      ] as const) {
        for (const value of [0, 1, 0xffff, 0xfffffffe, 0x7fffffff]) {
          const m = bytes.slice();
          const mv = new DataView(m.buffer);
          if (width === 2) mv.setUint16(eocd + field, value & 0xffff, true);
          else mv.setUint32(eocd + field, value, true);
          if (m.every((b, i) => b === bytes[i])) continue;
          const o = await attempt(`eocd field ${field} = ${value}`, m, 'checkpoint', baselines[0]);
          // The "entries on this disk" count (field 8) is not used by readers: it may stay harmless.
          if (field !== 8) record('absurd zip field', o);
          else if (o === 'different') record('absurd zip field', o);
        }
      }
      // zip64: absurd 64-bit values in the zip64 end record and in each entry's zip64 extra field.
      const z = originals[2];
      const zv = new DataView(z.buffer, z.byteOffset);
      const z64 = Buffer.from(z).lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
      for (const field of [24, 32, 40, 48]) {
        for (const value of [2n ** 62n, 2n ** 53n + 1n, BigInt(z.length), 0xffffffffffffffffn]) {
          const m = z.slice();
          new DataView(m.buffer).setBigUint64(z64 + field, value, true);
          record(
            'absurd zip field',
            await attempt(`zip64 eocd ${field} = ${value}`, m, 'checkpoint', baselines[2]),
          );
        }
      }
      // In the central directory (the local headers' copies are redundant: readers use the directory).
      const cd = Number(zv.getBigUint64(z64 + 48, true));
      for (
        let at = Buffer.from(z).indexOf(Buffer.from([0x01, 0x00, 0x10, 0x00]), cd), n = 0;
        at >= 0 && n < 40;
        n++
      ) {
        for (const value of [2n ** 62n, 2n ** 40n, BigInt(z.length) + 1n]) {
          const m = z.slice();
          new DataView(m.buffer).setBigUint64(at + 4, value, true);
          record(
            'absurd zip field',
            await attempt(`zip64 extra at ${at} = ${value}`, m, 'checkpoint', baselines[2]),
          );
        }
        at = Buffer.from(z).indexOf(Buffer.from([0x01, 0x00, 0x10, 0x00]), at + 4);
      }
    }

    // 4. Absurd tensor metadata in the pickle (valid zip, valid CRCs): always an error.
    const storages = [
      'FloatStorage',
      'HalfStorage',
      'BFloat16Storage',
      'DoubleStorage',
      'LongStorage',
      'IntStorage',
      'ShortStorage',
      'CharStorage',
      'ByteStorage',
      'BoolStorage',
    ];
    const itemSizes = [4, 2, 2, 8, 8, 4, 2, 1, 1, 1];
    for (const [s, storage] of storages.entries()) {
      const n = 64 / itemSizes[s];
      const bad: [number | bigint, number | bigint, (number | bigint)[], (number | bigint)[]][] = [
        [n + 1, 0, [n], [1]],
        [2 ** 40, 0, [2 ** 40], [1]],
        [-1, 0, [n], [1]],
        [2n ** 62n, 0, [n], [1]],
        [n, 0, [n + 1], [1]],
        [n, 0, [2 ** 31], [1]],
        [n, 0, [2 ** 40, 2 ** 40], [2 ** 40, 1]],
        [n, 0, [2 ** 53], [1]],
        [n, 0, [2n ** 63n - 1n], [1]],
        [n, 0, [-1], [1]],
        [n, 0, [2, n], [n, 1]],
        [n, 0, [n], [2]],
        [n, 0, [n], [2 ** 40]],
        [n, 0, [n], [-1]],
        [n, 0, [n], []],
        [n, 1, [n], [1]],
        [n, 2 ** 40, [1], [1]],
        [n, -1, [1], [1]],
        [n, 0, [2 ** 40], [0]], // a zero-stride view far larger than the file
        [n, 0, [2 ** 20, 2 ** 20], [0, 0]],
      ];
      for (const [numel, offset, size, stride] of bad) {
        const bytes = checkpointWith(tensorPickle(storage, numel, offset, size, stride));
        record(
          'absurd tensor',
          await attempt(`${storage} ${numel} ${offset} ${size} ${stride}`, bytes, 'checkpoint', ''),
        );
      }
      // A storage type that does not exist and a persistent id of the wrong form.
      record(
        'absurd tensor',
        await attempt(
          'unknown storage',
          checkpointWith(tensorPickle('ComplexStorage', 4, 0, [1], [1])),
          'checkpoint',
          '',
        ),
      );
    }

    // 5. Unknown opcodes: every byte value that is not a supported opcode, at two places.
    const edgeZip = await ZipReader.open(bufferSource(originals[0]), (m) => new Error(m));
    const edgePickle = await edgeZip.read(edgeZip.entries.get('edge/data.pkl')!);
    expect(edgePickle[0]).toBe(0x80);
    const supported = new Set(Buffer.from('()0125FGIJKLMNPQRSTUVX]abcdeghjlopqrstu}.CB', 'latin1'));
    for (let b = 0x80; b <= 0x96; b++) if (b < 0x82 || b > 0x84) supported.add(b);
    for (let b = 0; b < 256; b++) {
      if (supported.has(b)) continue;
      for (const at of [2, edgePickle.length - 1]) {
        const p = Buffer.concat([edgePickle.subarray(0, at), Buffer.from([b]), edgePickle.subarray(at)]);
        record('unknown opcode', await attempt(`opcode ${b} at ${at}`, checkpointWith(p), 'checkpoint', ''));
      }
    }

    // 6. Truncated and overlong pickles; huge declared lengths; stack and memo misuse.
    for (let n = 1; n < edgePickle.length; n += 3) {
      record(
        'truncated pickle',
        await attempt(`pickle cut at ${n}`, checkpointWith(edgePickle.subarray(0, n)), 'checkpoint', ''),
      );
    }
    const raw = (...parts: (number | Uint8Array)[]) =>
      new Uint8Array(
        Buffer.concat([
          Buffer.from([0x80, 2]),
          ...parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : p)),
        ]),
      );
    const repeat = (pattern: number[], n: number) => {
      const out = new Uint8Array(pattern.length * n);
      for (let i = 0; i < n; i++) out.set(pattern, i * pattern.length);
      return out;
    };
    const hostile: [string, Uint8Array][] = [
      ['BINUNICODE 4 GiB', raw(0x58, 0xff, 0xff, 0xff, 0xff, 0x41, 0x2e)],
      ['BINBYTES 4 GiB', raw(0x42, 0xff, 0xff, 0xff, 0xff, 0x2e)],
      ['BINBYTES8 2^60', raw(0x8e, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x2e)],
      ['BINUNICODE8 2^64-1', raw(0x8d, 255, 255, 255, 255, 255, 255, 255, 255, 0x2e)],
      ['LONG4 2^31-1', raw(0x8b, 0xff, 0xff, 0xff, 0x7f, 0x2e)],
      ['LONG4 negative', raw(0x8b, 0xff, 0xff, 0xff, 0xff, 0x2e)],
      ['FRAME 2^62', raw(0x95, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x4e, 0x2e)],
      ['SHORT_BINUNICODE past end', raw(0x8c, 0xff, 0x41, 0x2e)],
      ['BINGET missing', raw(0x68, 0x07, 0x2e)],
      ['LONG_BINGET 2^32-1', raw(0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e)],
      ['REDUCE on empty stack', raw(0x52, 0x2e)],
      ['REDUCE a non-global', raw(0x4e, 0x29, 0x52, 0x2e)],
      ['STOP with two values', raw(0x4e, 0x4e, 0x2e)],
      ['STOP on empty stack', raw(0x2e)],
      ['no STOP', raw(0x4e)],
      ['SETITEMS without MARK', raw(0x7d, 0x75, 0x2e)],
      ['SETITEM on a list', raw(0x5d, 0x4e, 0x4e, 0x73, 0x2e)],
      ['APPEND to a dict', raw(0x7d, 0x4e, 0x61, 0x2e)],
      ['odd SETITEMS', raw(0x7d, 0x28, 0x4e, 0x75, 0x2e)],
      ['BUILD on a list', raw(0x5d, 0x7d, 0x62, 0x2e)],
      ['protocol 9', new Uint8Array([0x80, 9, 0x4e, 0x2e])],
      ['invalid UTF-8', raw(0x8c, 2, 0xc3, 0x28, 0x2e)],
      ['persistent id of a bad form', raw(0x4e, 0x51, 0x2e)],
      ['STACK_GLOBAL of non-strings', raw(0x4e, 0x4e, 0x93, 0x2e)],
      ['text INT garbage', raw(0x49, 0x78, 0x0a, 0x2e)],
      ['GLOBAL without newline', raw(0x63, 0x6f, 0x73)],
      ['EXT1', raw(0x82, 1, 0x2e)],
      ['NEXT_BUFFER', raw(0x97, 0x2e)],
      ['recursion bomb: 100k MARKs', raw(repeat([0x28], 100_000), 0x2e)],
      ['recursion bomb: 100k nested lists', raw(repeat([0x5d], 100_000), repeat([0x61], 99_999), 0x2e)],
      ['recursion bomb: 100k nested tuples', raw(0x4e, repeat([0x85], 100_000), 0x2e)],
      [
        'recursion bomb: 50k nested dicts',
        raw(repeat([0x7d, 0x8c, 1, 0x6b], 50_000), 0x7d, repeat([0x73], 50_000), 0x2e),
      ],
      ['stack of 2M values', raw(repeat([0x4e], 2_000_000), 0x2e)],
      ['memo of 2M entries', raw(0x4e, repeat([0x94], 2_000_000), 0x2e)],
    ];
    for (const [label, p] of hostile)
      record('hostile pickle', await attempt(label, checkpointWith(p), 'checkpoint', ''));
    // A self-referencing list is legal (no error), but must not hang the walk over the tree.
    const cyc = await attempt(
      'cycle',
      checkpointWith(raw(0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e)),
      'checkpoint',
      '',
    );
    expect(cyc).toBe('same'); // no tensors: the empty fingerprint

    // 7. NumPy files: truncations always fail; flips either fail or change only values.
    for (const rel of ['npy/float32.npy', 'npy/int64_fortran.npy', 'npy/stored.npz', 'npy/deflated.npz']) {
      const bytes = await load(rel);
      const baseline = await fingerprintNumpy(bytes);
      for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 120))) {
        record(
          'numpy truncation',
          await attempt(`${rel} cut at ${n}`, bytes.subarray(0, n), 'numpy', baseline),
        );
      }
      for (let i = 0; i < 100; i++) {
        const m = bytes.slice();
        m[Math.floor(random() * m.length)] ^= 1 << Math.floor(random() * 8);
        await attempt(`${rel} flip`, m, 'numpy', baseline);
      }
    }

    const summary = Object.fromEntries(
      Object.entries(mustError).map(([k, v]) => [
        k,
        { cases: v.length, notErrors: v.filter((o) => o !== 'error').length },
      ]),
    );
    console.log(
      `robustness: ${tally.cases} cases, slowest ${slowest.toFixed(0)} ms CPU`,
      JSON.stringify(tally.outcomes),
      JSON.stringify(summary),
    );
    expect(tally.untyped).toEqual([]);
    expect(tally.slow).toEqual([]);
    expect(tally.cases).toBeGreaterThanOrEqual(2000);
    for (const [category, { notErrors }] of Object.entries(summary))
      expect([category, notErrors]).toEqual([category, 0]);
    // Peak memory grew by far less than any absurd declared size (each file is under 8 KB).
    const grownMiB = (process.resourceUsage().maxRSS - rssBefore) / 1024;
    console.log(`robustness: peak RSS grew by ${grownMiB.toFixed(0)} MiB`);
    expect(grownMiB).toBeLessThan(400);
  }, 60_000);
});

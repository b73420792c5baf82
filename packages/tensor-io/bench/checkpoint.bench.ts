import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NdArray, readCheckpoint, type TypedArray, writeCheckpoint } from '@tokenset/tensor-io';
import { type Bench, collectGarbage as gc } from '../../../scripts/bench-types.ts';

// Loading a released checkpoint (150 MB to several GB) is on the path of every model load. This
// writes a 512 MiB checkpoint (with this package's own writer: no Python), then reads every tensor
// and compares with a plain sequential read of the same file in the same run (both from the page
// cache: the file was just written). Peak memory is compared with the bytes of the tensors read.
const MiB = 1024 * 1024;
const TENSORS = 64;
const ELEMENTS = (8 * MiB) / 4; // 8 MiB float32 each: 512 MiB in all

function* tensors(): Generator<[string, NdArray]> {
  const data = new Float32Array(ELEMENTS); // reused: the writer copies each tensor to disk before the next
  for (let i = 0; i < TENSORS; i++) {
    data.fill(i * 0.5);
    data[i] = -1;
    yield [`blocks.${i}.mlp.fc.weight`, { dtype: 'float32', shape: [ELEMENTS / 1024, 1024], data }];
  }
}

/** Reads the whole file through one reused 8 MiB buffer (the tensors' size): pure I/O, no memory kept. */
async function sequentialRead(path: string): Promise<number> {
  const handle = await open(path, 'r');
  const buffer = new Uint8Array(8 * MiB);
  let total = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, total);
      if (bytesRead === 0) return total;
      total += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** Reads the whole file into memory as fresh 8 MiB buffers, kept: the I/O plus the fresh memory a load needs. */
async function sequentialLoad(path: string): Promise<Uint8Array[]> {
  const handle = await open(path, 'r');
  const chunks: Uint8Array[] = [];
  try {
    const size = (await handle.stat()).size;
    for (let at = 0; at < size; ) {
      const chunk = new Uint8Array(Math.min(8 * MiB, size - at));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) break;
      chunks.push(chunk);
      at += bytesRead;
    }
    return chunks;
  } finally {
    await handle.close();
  }
}

/** Reads every tensor into one reused buffer (a streaming consumer, e.g. a converter). */
async function streamAll(path: string): Promise<number> {
  const ckpt = await readCheckpoint(path);
  const buffer = new Float32Array(ELEMENTS);
  let n = 0;
  for (const tensor of ckpt.tensors().values()) {
    await tensor.readInto!(buffer);
    n++;
  }
  await ckpt.close();
  return n;
}

async function readAll(path: string, verifyChecksums = false): Promise<TypedArray[]> {
  const ckpt = await readCheckpoint(path, { verifyChecksums });
  const out: TypedArray[] = [];
  for (const tensor of ckpt.tensors().values()) out.push(await tensor.read());
  await ckpt.close();
  return out;
}

const bench: Bench = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tensor-io-bench-'));
  try {
    const path = join(dir, 'big.pth');
    await writeCheckpoint(path, tensors());
    // Peak memory first, on a fresh heap: read (and keep) every tensor once.
    gc();
    const rssBefore = process.memoryUsage().rss;
    let tensorBytes = 0;
    const check = (arrays: TypedArray[]) => {
      tensorBytes = arrays.reduce((n, a) => n + a.byteLength, 0);
      if (arrays.length !== TENSORS || (arrays[5] as Float32Array)[5] !== -1)
        throw new Error('wrong values read');
    };
    check(await readAll(path));
    const peak = process.resourceUsage().maxRSS * 1024;
    gc();
    // The operations run in turn, five rounds, so that the machine's load and the allocator's state
    // (whether freed pages are reused) affect each alike; each figure is its median.
    let fileBytes = 0;
    const ops: Record<string, () => Promise<unknown>> = {
      io: async () => {
        fileBytes = await sequentialRead(path);
      },
      stream: () => streamAll(path),
      load: () => sequentialLoad(path),
      read: async () => check(await readAll(path)),
      verified: async () => check(await readAll(path, true)),
    };
    const times: Record<string, number[]> = {};
    const run = async (key: string) => {
      const t = performance.now();
      await ops[key]();
      (times[key] ??= []).push(performance.now() - t);
      gc();
    };
    // Each kept-memory operation has the same history (its predecessor's arrays freed, then io and
    // stream), so that reuse of freed pages by the allocator favours none of them.
    for (let r = 0; r < 5; r++) {
      for (const key of ['load', 'read', 'verified']) {
        await run('io');
        await run('stream');
        await run(key);
      }
    }
    const median = (key: string) => times[key].sort((x, y) => x - y)[times[key].length >> 1];
    const [ioMs, streamMs, loadMs, ms, verifiedMs] = ['io', 'stream', 'load', 'read', 'verified'].map(median);
    const mbps = (t: number) => fileBytes / 1e6 / (t / 1000);
    const figure = mbps(ms);
    const grown = (peak - rssBefore) / MiB;
    const allowance = tensorBytes / MiB + 64;
    const size = `${(fileBytes / MiB).toFixed(0)} MiB checkpoint (${TENSORS} tensors)`;
    return [
      {
        name: `tensor-io: read() every tensor of a ${size}, arrays kept`,
        figure,
        unit: 'MB/s',
        ceiling: mbps(loadMs),
        ceilingName: 'sequential read into fresh 8 MiB buffers, kept',
        better: 'higher',
        goal: '>= 70% of ceiling',
        met: figure >= 0.7 * mbps(loadMs),
      },
      {
        name: `tensor-io: readInto() every tensor through one reused buffer`,
        figure: mbps(streamMs),
        unit: 'MB/s',
        ceiling: mbps(ioMs),
        ceilingName: 'sequential read through a reused 8 MiB buffer',
        better: 'higher',
        goal: '>= 70% of ceiling',
        met: mbps(streamMs) >= 0.7 * mbps(ioMs),
      },
      {
        name: `tensor-io: read() every tensor with verifyChecksums (CRC-32)`,
        figure: mbps(verifiedMs),
        unit: 'MB/s',
        ceiling: mbps(loadMs),
        ceilingName: 'sequential read into fresh 8 MiB buffers, kept',
        better: 'higher',
      },
      {
        name: `tensor-io: peak RSS growth while reading ${(tensorBytes / MiB).toFixed(0)} MiB of tensors`,
        figure: grown,
        unit: 'MiB',
        ceiling: allowance,
        ceilingName: 'tensor bytes + 64 MiB',
        better: 'lower',
        goal: '<= tensors + 64 MiB',
        met: grown <= allowance,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
export default bench;

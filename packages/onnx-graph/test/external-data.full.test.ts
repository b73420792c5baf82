// A model over protobuf's 2 GiB limit (opt-in: `pnpm test:full`): save() must switch to external
// data on its own, and onnxruntime must load and run the result.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, PROTOBUF_LIMIT } from '@tokenset/onnx-graph';
import { ModelSession } from '@tokenset/runtime';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'onnx-graph-full-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('models over 2 GiB', () => {
  it('are saved with external data and run by onnxruntime', async () => {
    const n = 2 ** 29 + 4096; // 2 GiB + 16 KiB of float32
    const table = new Float32Array(n);
    for (let i = 0; i < n; i += 4096) table[i] = i;
    table[n - 1] = -7;
    const g = new Graph();
    const index = g.input('i', 'int64', [3]);
    g.output(g.op('Gather', [g.initializer('table', table, [n]), index]), 'y', 'float32', [3]);
    expect(() => g.toBytes()).toThrow(/2 GiB limit/);
    const path = join(dir, 'big.onnx');
    const written = await g.save(path);
    expect(written.externalData).toBe(`${path}.data`);
    expect(statSync(written.externalData!).size).toBe(n * 4);
    expect(statSync(path).size).toBeLessThan(PROTOBUF_LIMIT);
    const session = await ModelSession.create(path, { threads: 1 });
    try {
      const out = await session.run({
        i: { type: 'int64', dims: [3], data: BigInt64Array.of(0n, 4096n * 1000n, BigInt(n - 1)) },
      });
      expect(Array.from(out.y.data as Float32Array)).toEqual([0, 4096 * 1000, -7]);
    } finally {
      await session.release();
    }
  });
});

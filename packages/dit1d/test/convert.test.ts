import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConvertProgress, convertDiT1DCheckpoint, DiT1D, readDiT1DStateDict } from '@tokenset/dit1d';
import { writeCheckpoint } from '@tokenset/tensor-io';
import { afterAll, describe, expect, it } from 'vitest';
import { f32, fixture, i32, maxDiff } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dit1d-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function forward(source: string) {
  const dit = await DiT1D.load(source, { numHeads: 4, threads: 1 });
  try {
    return await dit.probabilities(
      await i32('tiny-dit1d/forward_x'),
      await f32('tiny-dit1d/forward_t'),
      await i32('tiny-dit1d/forward_y'),
    );
  } finally {
    await dit.release();
  }
}

describe('convertDiT1DCheckpoint', () => {
  it('writes an .onnx that loads and reproduces the reference, reporting progress', async () => {
    const events: ConvertProgress[] = [];
    const out = join(dir, 'tiny.onnx');
    const result = await convertDiT1DCheckpoint(fixture('tiny-dit1d/dit1d.pth'), out, {
      numHeads: 4,
      onProgress: (e) => events.push(e),
    });
    expect(result.path).toBe(out);
    expect(result.info).toMatchObject({ codebookSize: 64, setSize: 8, numHeads: 4, dtype: 'fp32' });
    const statuses = [...new Set(events.map((e) => e.status))];
    expect(statuses).toEqual(['read', 'export', 'write', 'done']);
    const reads = events.filter((e) => e.status === 'read');
    expect(reads.at(-1)).toMatchObject({ done: 31, total: 31 });
    const last = events.at(-1);
    expect(last).toMatchObject({ status: 'done', path: out, bytes: result.bytes });
    expect(maxDiff(await forward(out), await f32('tiny-dit1d/forward_probs'))).toBeLessThan(1e-5);
  });

  it('reads plain state dicts (no "ema") too', async () => {
    const sd = await readDiT1DStateDict(fixture('tiny-dit1d/dit1d.pth'));
    const pth = join(dir, 'plain.pth');
    await writeCheckpoint(
      pth,
      [...sd].map(
        ([name, t]) => [name, { dtype: 'float32', shape: t.shape, data: t.data }] as [string, never],
      ),
    );
    expect(maxDiff(await forward(pth), await f32('tiny-dit1d/forward_probs'))).toBeLessThan(1e-5);
    await convertDiT1DCheckpoint(pth, join(dir, 'plain.onnx'), { numHeads: 4 });
    expect(
      maxDiff(await forward(join(dir, 'plain.onnx')), await f32('tiny-dit1d/forward_probs')),
    ).toBeLessThan(1e-5);
  });

  it('rejects a file that is not a DiT1D checkpoint', async () => {
    const pth = join(dir, 'other.pth');
    await writeCheckpoint(pth, new Map([['w', { dtype: 'float32', shape: [2], data: new Float32Array(2) }]]));
    await expect(convertDiT1DCheckpoint(pth, join(dir, 'other.onnx'))).rejects.toThrow(
      /expected a tensor 'pos_embed', got none/,
    );
  });
});

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EvaluateProgress,
  evaluateFolder,
  FeatureStatistics,
  frechetDistance,
  inceptionScore,
  saveStatistics,
} from '@tokenset/eval';
import { readRgbImage, writePng } from '@tokenset/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-eval-folder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A solid-ish RGB image whose pixels encode `seed`. */
function pixels(width: number, height: number, seed: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (seed * 37 + i * 13) % 256;
  return data;
}

async function png(path: string, width: number, height: number, seed: number) {
  await writePng(path, { width, height, data: pixels(width, height, seed) });
}

/** A fake extractor: 4-d "pool" features and 5 "logits" from the mean of each image's channels. */
function fakeExtractor(calls: number[][]) {
  return {
    async features(images: Uint8Array, shape: { n: number; height: number; width: number }) {
      calls.push([shape.n, shape.height, shape.width]);
      const per = shape.height * shape.width * 3;
      const pool = new Float32Array(shape.n * 4);
      const logits = new Float32Array(shape.n * 5);
      for (let b = 0; b < shape.n; b++) {
        let s = 0;
        for (let i = 0; i < per; i++) s += images[b * per + i];
        const m = s / per / 255;
        pool.set([m, m * m, Math.sin(7 * m), shape.width / 100], b * 4);
        logits.set([m, 2 * m, -m, m * m, 1], b * 5);
      }
      return { pool, logits, n: shape.n };
    },
  };
}

describe('evaluateFolder', () => {
  it('batches same-size runs in order, reports progress, and computes FID and IS', async () => {
    const folder = join(dir, 'eval');
    await mkdir(folder);
    const sizes: [number, number][] = [];
    for (let i = 0; i < 11; i++) {
      const [w, h] = i < 7 ? [6, 4] : [5, 5];
      sizes.push([w, h]);
      await png(join(folder, `${String(i).padStart(3, '0')}.png`), w, h, i);
    }
    // Reference statistics of other features.
    const ref = new FeatureStatistics(4);
    for (let i = 0; i < 9; i++) ref.add(Float32Array.of(i / 9, (i / 9) ** 2, Math.cos(i), 0.05 + i / 100));
    const refPath = join(dir, 'ref.npz');
    await saveStatistics(refPath, ref);

    const calls: number[][] = [];
    const events: EvaluateProgress[] = [];
    const extractor = fakeExtractor(calls);
    const result = await evaluateFolder(folder, {
      inception: extractor,
      reference: refPath,
      batchSize: 3,
      splits: 2,
      onProgress: (e) => events.push(e),
    });
    expect(calls).toEqual([
      [3, 4, 6],
      [3, 4, 6],
      [1, 4, 6],
      [3, 5, 5],
      [1, 5, 5],
    ]);
    expect(events[0]).toEqual({ status: 'listed', total: 11 });
    expect(events.filter((e) => e.status === 'features').map((e) => (e as { done: number }).done)).toEqual([
      3, 6, 7, 10, 11,
    ]);
    expect(events.at(-1)).toEqual({ status: 'metrics' });

    // The same numbers computed directly from the files in order.
    const direct = new FeatureStatistics(4);
    const logits = new Float32Array(11 * 5);
    for (const [i, file] of result.files.entries()) {
      const img = await readRgbImage(file);
      const out = await extractor.features(img.data, { n: 1, height: img.height, width: img.width });
      direct.add(out.pool);
      logits.set(out.logits, i * 5);
    }
    expect(result.statistics.count).toBe(11);
    expect(result.statistics.mean()).toEqual(direct.mean());
    expect(result.logits).toEqual(logits);
    expect(result.inceptionScore).toEqual(inceptionScore(logits, { classes: 5, splits: 2 }));
    expect(result.fid).toBeCloseTo(frechetDistance(direct.statistics(), ref.statistics()), 10);
  });

  it('rejects an empty folder, a missing extractor and a reference of another dimension', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(evaluateFolder(empty, { inception: fakeExtractor([]) })).rejects.toThrow(/got none/);
    await expect(evaluateFolder(empty, {} as never)).rejects.toThrow(TypeError);
    const one = join(dir, 'one');
    await mkdir(one);
    await png(join(one, 'x.png'), 2, 2, 3);
    await png(join(one, 'y.png'), 2, 2, 4);
    const reference = { mu: new Float64Array(3), sigma: new Float64Array(9) };
    await expect(evaluateFolder(one, { inception: fakeExtractor([]), reference })).rejects.toThrow(
      /dimension mismatch/,
    );
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  batchCount,
  batchRange,
  type FidPlan,
  finishFidRun,
  INCEPTION_LOGITS_DIM,
  INCEPTION_POOL_DIM,
  imageFileName,
  imageLabel,
  imageSeed,
  parseShard,
  type RunModels,
  type SampleFidProgress,
  sampleFid,
  shardBatches,
} from '@tokenset/eval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-fid-protocol-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fid plan', () => {
  const plan: FidPlan = { classes: 1000, perClass: 50, seed: 7, batchSize: 32 };

  it('maps an index to its class and seed', () => {
    expect(imageLabel(plan, 0)).toBe(0);
    expect(imageLabel(plan, 49)).toBe(0);
    expect(imageLabel(plan, 50)).toBe(1);
    expect(imageLabel(plan, 49_999)).toBe(999);
    expect(imageSeed(plan, 123)).toBe(130);
    expect(imageFileName(plan, 42)).toBe('000042.png');
  });

  it('splits the batches into contiguous shards that cover each batch exactly once', () => {
    for (const count of [1, 2, 3, 7, 64, 2000]) {
      const seen = new Uint8Array(batchCount(plan));
      let previousEnd = 0;
      for (let index = 0; index < count; index++) {
        const [first, end] = shardBatches(plan, { index, count });
        expect(first).toBe(previousEnd);
        for (let b = first; b < end; b++) seen[b]++;
        previousEnd = end;
      }
      expect(previousEnd).toBe(batchCount(plan));
      expect(seen.every((v) => v === 1)).toBe(true);
    }
    expect(batchRange(plan, batchCount(plan) - 1)).toEqual([49_984, 50_000]);
  });

  it('parses --shard and rejects bad values', () => {
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    expect(() => parseShard('8/8')).toThrow('shard: expected 0 <= index < count, got 8/8');
    expect(() => parseShard('a/b')).toThrow('expected i/n');
  });
});

/** Fake models: images whose pixels encode (label, seed); features from the pixels. */
function fakeModels(size: number, calls: number[][]): RunModels {
  return {
    async generate(labels, seeds) {
      calls.push([...seeds]);
      const out = new Uint8Array(labels.length * size * size * 3);
      for (let i = 0; i < labels.length; i++)
        out.fill((labels[i] * 31 + seeds[i] * 7) % 256, i * size * size * 3, (i + 1) * size * size * 3);
      return out;
    },
    async features(images, n) {
      const pool = new Float32Array(n * INCEPTION_POOL_DIM);
      const logits = new Float32Array(n * INCEPTION_LOGITS_DIM);
      for (let i = 0; i < n; i++) {
        const v = images[i * size * size * 3] / 255;
        for (let d = 0; d < INCEPTION_POOL_DIM; d++) pool[i * INCEPTION_POOL_DIM + d] = Math.sin(v * (d + 1));
        for (let d = 0; d < INCEPTION_LOGITS_DIM; d++) logits[i * INCEPTION_LOGITS_DIM + d] = Math.cos(v + d);
      }
      return { pool, logits };
    },
  };
}

describe('sampleFid: the sharded, resumable protocol as an API', () => {
  const plan: FidPlan = { classes: 3, perClass: 3, seed: 11, batchSize: 2 };
  const sampler = { steps: 3, note: 'any JSON' };

  it('two shards then a merge give the bytes of one unsharded run', async () => {
    const whole = join(dir, 'whole');
    const calls: number[][] = [];
    const report = await sampleFid(whole, { plan, sampler, imageSize: 4, models: fakeModels(4, calls) });
    expect(report).toMatchObject({
      images: 9,
      skipped: 0,
      generated: 9,
      featureBatches: 5,
      missingBatches: 0,
    });
    expect(calls[0]).toEqual([11, 12]);
    const one = await finishFidRun(whole);

    const sharded = join(dir, 'sharded');
    const events: SampleFidProgress[] = [];
    const first = await sampleFid(sharded, {
      plan,
      sampler,
      imageSize: 4,
      shard: { index: 1, count: 2 },
      models: fakeModels(4, []),
      onProgress: (e) => events.push(e),
    });
    expect(first.missingBatches).toBe(2);
    expect(events[0]).toEqual({
      status: 'shard',
      shard: { index: 1, count: 2 },
      first: 4,
      end: 9,
      skipped: 0,
    });
    expect(events.at(-1)).toMatchObject({ status: 'batch', done: 5, total: 5 });
    await expect(finishFidRun(sharded)).rejects.toThrow(/got 2 missing \(first: batch 0\)/);
    await sampleFid(sharded, {
      plan,
      sampler,
      imageSize: 4,
      shard: { index: 0, count: 2 },
      models: fakeModels(4, []),
    });
    const two = await finishFidRun(sharded);
    expect(two).toEqual(one);
    for (const name of ['statistics.npz', 'results.json', `images/${imageFileName(plan, 8)}`]) {
      expect((await readFile(join(sharded, name))).equals(await readFile(join(whole, name)))).toBe(true);
    }

    // Resuming a complete shard does nothing; other settings are refused.
    const again = await sampleFid(sharded, { plan, sampler, imageSize: 4, models: fakeModels(4, []) });
    expect(again).toMatchObject({ generated: 0, skipped: 9, featureBatches: 0 });
    await expect(
      sampleFid(sharded, { plan, sampler: { steps: 4 }, imageSize: 4, models: fakeModels(4, []) }),
    ).rejects.toThrow(/was started with other settings: sampler/);
  });

  it('checks its options', async () => {
    const models = fakeModels(4, []);
    await expect(
      sampleFid(join(dir, 'x'), { plan: { ...plan, perClass: 0 }, sampler, imageSize: 4, models }),
    ).rejects.toThrow('perClass: expected an integer in [1, 9007199254740991], got 0');
    await expect(
      sampleFid(join(dir, 'x'), { plan, sampler, imageSize: 4, shard: { index: 2, count: 2 }, models }),
    ).rejects.toThrow('shard: expected 0 <= index < count, got 2/2');
    await expect(finishFidRun(join(dir, 'nothing'))).rejects.toThrow(/expected a sample-fid run folder/);
  });
});

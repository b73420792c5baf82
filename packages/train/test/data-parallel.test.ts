import { dit1dShapes } from '@tokenset/dit1d';
import { afterAll, describe, expect, it } from 'vitest';
import { DataParallel } from '../src/data-parallel.js';
import type { DiT1DNetConfig } from '../src/dit1d-net.js';
import { initParams } from '../src/init.js';
import { batchShards, type ShardInput, type ShardModel, shardRanges } from '../src/shard-loss.js';
import { initBackend, type tf } from '../src/tf.js';
import { tokenizerParameterShapes, tokenizerRunConfig } from '../src/train-tokenizer.js';
import { TINY_TOKENIZER } from './helpers.js';

const pools: DataParallel[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** A seeded stand-in for every parameter (normal-ish values; the gradient's shape is what matters). */
function params(shapes: { name: string; shape: number[] }[]) {
  return initParams(shapes, () => ({ kind: 'normal', std: 0.2 }), 7);
}

/** The largest difference between two gradient maps, relative to the largest gradient entry. */
function relativeGap(a: Record<string, tf.Tensor>, b: Record<string, tf.Tensor>): number {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  let scale = 0;
  let gap = 0;
  for (const name of Object.keys(a)) {
    const x = a[name].dataSync();
    const y = b[name].dataSync();
    for (let i = 0; i < x.length; i++) {
      scale = Math.max(scale, Math.abs(x[i]));
      gap = Math.max(gap, Math.abs(x[i] - y[i]));
    }
  }
  return gap / scale;
}

/**
 * The batch's gradients in one shard, in two (the second on a worker thread), and in rounds of at
 * most 2 rows per shard on one thread and on two.
 */
async function oneAndTwo(
  model: ShardModel,
  shapes: { name: string; shape: number[] }[],
  shard: (from: number, to: number) => ShardInput,
  rows: number,
) {
  await initBackend();
  const p = params(shapes);
  const one = DataParallel.start(model, shapes, 1);
  const two = DataParallel.start(model, shapes, 2);
  pools.push(one, two);
  const whole = await one.gradients(p, [shard(0, rows)]);
  const split = await two.gradients(
    p,
    shardRanges(rows, 2).map(([a, b]) => shard(a, b)),
  );
  const again = await two.gradients(
    p,
    shardRanges(rows, 2).map(([a, b]) => shard(a, b)),
  );
  const rounds = [1, 2].map((workers) => batchShards(rows, workers, 2).map(([a, b]) => shard(a, b)));
  const roundsOne = await one.gradients(p, rounds[0]);
  const roundsTwo = await two.gradients(p, rounds[1]);
  expect(rounds.map((r) => r.length)).toEqual([Math.ceil(rows / 2), 2 * Math.ceil(rows / 4)]);
  return { whole, split, again, roundsOne, roundsTwo };
}

describe('DataParallel', { timeout: 120_000 }, () => {
  it('gives a DiT1D batch the gradient of one thread, and the same every time', async () => {
    const config: DiT1DNetConfig = {
      codebookSize: 16,
      setSize: 8,
      numClasses: 10,
      hiddenSize: 32,
      depth: 1,
      numHeads: 2,
    };
    const rows = 6;
    const C = 16;
    const ztq = Int32Array.from({ length: rows * C }, (_, i) => (i * 7) % 3);
    const x0 = Int32Array.from({ length: rows * C }, (_, i) => (i * 5) % 2);
    const t = Float32Array.from({ length: rows }, (_, i) => (i + 1) / (rows + 1));
    const labels = Int32Array.from({ length: rows }, (_, i) => i % 11);
    const shard = (a: number, b: number): ShardInput => ({
      rows: b - a,
      ztq: ztq.slice(a * C, b * C),
      x0: x0.slice(a * C, b * C),
      t: t.slice(a, b),
      labels: labels.slice(a, b),
    });
    const { whole, split, again, roundsOne, roundsTwo } = await oneAndTwo(
      { kind: 'dit1d', config },
      dit1dShapes(config),
      shard,
      rows,
    );
    expect(Math.abs(split.value - whole.value) / whole.value).toBeLessThan(1e-5);
    expect(relativeGap(whole.grads, split.grads)).toBeLessThan(1e-4);
    expect(relativeGap(split.grads, again.grads)).toBe(0);
    for (const r of [roundsOne, roundsTwo]) {
      expect(Math.abs(r.value - whole.value) / whole.value).toBeLessThan(1e-5);
      expect(relativeGap(whole.grads, r.grads)).toBeLessThan(1e-4);
    }
  });

  it("gives a quantising tokenizer batch the gradient of one thread, with every shard's codes", async () => {
    const config = tokenizerRunConfig({ out: '', config: TINY_TOKENIZER });
    const rows = 4;
    const pixels = config.imageSize * config.imageSize * 3;
    const images = Float32Array.from({ length: rows * pixels }, (_, i) => Math.sin(i * 0.37));
    const shard = (a: number, b: number): ShardInput => ({
      rows: b - a,
      images: images.slice(a * pixels, b * pixels),
      quantizing: true,
    });
    const { whole, split, roundsOne, roundsTwo } = await oneAndTwo(
      { kind: 'tokenizer', config },
      tokenizerParameterShapes(config),
      shard,
      rows,
    );
    expect(Math.abs(split.value - whole.value) / whole.value).toBeLessThan(1e-5);
    expect(relativeGap(whole.grads, split.grads)).toBeLessThan(1e-4);
    const codes = (r: typeof whole) => r.sides.flatMap((s) => [...(s.codes ?? [])]);
    expect(codes(split)).toEqual(codes(whole));
    for (const r of [roundsOne, roundsTwo]) {
      expect(relativeGap(whole.grads, r.grads)).toBeLessThan(1e-4);
      expect(codes(r)).toEqual(codes(whole));
    }
    expect(codes(whole)).toHaveLength(rows * config.numLatentTokens);
  });

  it('checks the number of workers and of shards', async () => {
    expect(() => DataParallel.start({ kind: 'dit1d', config: {} as DiT1DNetConfig }, [], 0)).toThrow(
      /workers: expected a positive integer, got 0/,
    );
    const pool = DataParallel.start({ kind: 'dit1d', config: {} as DiT1DNetConfig }, [], 1);
    await expect(pool.gradients(new Map(), [])).rejects.toThrow(
      /inputs: expected a multiple of 1 shards, got 0/,
    );
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DigitClassifier } from '@tokenset/demo-models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainClassifier } from '../src/index.js';
import { stopAfterStep, tinyData } from './helpers.js';

const data = tinyData();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-classifier-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { data, batchSize: 16, learningRate: 2e-3 };

describe('trainClassifier', { timeout: 120_000 }, () => {
  it('lowers the loss and writes a state dict that DigitClassifier.load runs', async () => {
    const losses: number[] = [];
    const { classifierPath, steps } = await trainClassifier({
      ...base,
      out: join(dir, 'run'),
      steps: 12,
      onProgress: (e) => {
        if (e.status === 'step') losses.push(e.metrics.loss);
      },
    });
    expect(steps).toBe(12);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
    const classifier = await DigitClassifier.load(classifierPath);
    try {
      const { predictions, features } = await classifier.classify(data.images.subarray(0, 4 * 3072));
      expect(predictions).toHaveLength(4);
      expect(features).toHaveLength(4 * 128);
    } finally {
      await classifier.release();
    }
  });

  it('resumes to exactly the weights of an uninterrupted run (shifted images included)', async () => {
    const straight = join(dir, 'straight');
    await trainClassifier({ ...base, out: straight, steps: 4 });
    const split = join(dir, 'split');
    await trainClassifier({
      ...base,
      out: split,
      steps: 4,
      ...stopAfterStep(2),
    });
    // a resumed run must train as the run did (its length may change)
    await expect(
      trainClassifier({ ...base, out: split, steps: 4, resume: true, learningRate: 1e-2 }),
    ).rejects.toThrow(
      /--resume .*classifier\.train\.pth: the run was trained with learningRate [\d.e-]+; expected the same, got 0\.01/,
    );
    const resumed = await trainClassifier({ ...base, out: split, steps: 4, resume: true });
    expect(resumed.steps).toBe(4);
    expect(await readFile(join(split, 'classifier.pth'))).toEqual(
      await readFile(join(straight, 'classifier.pth')),
    );
  });
});

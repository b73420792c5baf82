import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DiT1D } from '@tokenset/dit1d';
import { SetTokenizer } from '@tokenset/tokenizer';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  DEMO_MODEL_PATHS,
  DEMO_SAMPLER,
  DIGIT_CLASSES,
  DigitClassifier,
  generateDigits,
  HELD_OUT_PER_CLASS,
  mnistDigits,
  reconstructionQuality,
} from '../src/index.js';

describe('mnistDigits', () => {
  it('splits 9,000 training digits from 1,000 held-out ones, 100 per class, padded to 32×32 RGB', () => {
    const { train, heldOut } = mnistDigits();
    expect(heldOut.count).toBe(DIGIT_CLASSES * HELD_OUT_PER_CLASS);
    expect(train.count + heldOut.count).toBe(10_000);
    for (let d = 0; d < DIGIT_CLASSES; d++) {
      expect(heldOut.labels.filter((l) => l === d).length).toBe(HELD_OUT_PER_CLASS);
    }
    // Padding: the two-pixel border is black, the three channels are equal.
    const first = heldOut.images.subarray(0, 32 * 32 * 3);
    expect(first.subarray(0, 2 * 32 * 3).every((v) => v === 0)).toBe(true);
    for (let i = 0; i < first.length; i += 3)
      expect(first[i + 1] === first[i] && first[i + 2] === first[i]).toBe(true);
    expect(Math.max(...first)).toBeGreaterThan(200);
  });
});

describe('the committed demo models', { timeout: 120_000 }, () => {
  it('are in the package, small, in the released layouts', async () => {
    for (const path of [
      DEMO_MODEL_PATHS.tokenizer,
      DEMO_MODEL_PATHS.generator,
      DEMO_MODEL_PATHS.classifier,
    ]) {
      expect(existsSync(path)).toBe(true);
    }
    const json = JSON.parse(await readFile(DEMO_MODEL_PATHS.tokenizer.replace(/\.pth$/, '.json'), 'utf8'));
    expect(json.numHeads).toBeGreaterThan(0);
    const generator = await DiT1D.load(DEMO_MODEL_PATHS.generator);
    expect(generator.numClasses).toBe(10);
    await generator.release();
  });

  // The committed tokenizer (codebook 512) reconstructs 98 of these 100 digits recognisably (96.5%
  // of all 1,000). The guard is the goal, 95%, three digits below the measured figure, for
  // float differences between CPUs near a class boundary.
  it('reconstruct 100 held-out digits that the classifier still recognises (≥ 95%), in any token order', async () => {
    const tokenizer = await SetTokenizer.load(DEMO_MODEL_PATHS.tokenizer);
    const classifier = await DigitClassifier.load(DEMO_MODEL_PATHS.classifier);
    try {
      const { heldOut } = mnistDigits();
      const pick = Int32Array.from({ length: 100 }, (_, i) => Math.floor(i / 10) * 100 + (i % 10));
      const images = new Uint8Array(100 * 3072);
      pick.forEach((j, i) => {
        images.set(heldOut.images.subarray(j * 3072, (j + 1) * 3072), i * 3072);
      });
      const labels = Int32Array.from(pick, (j) => heldOut.labels[j]);
      const q = await reconstructionQuality(tokenizer, classifier, { images, labels, count: 100 });
      expect(q.accuracy).toBeGreaterThanOrEqual(0.95);
      expect(q.orderInvariant).toBe(true);
    } finally {
      await tokenizer.release();
      await classifier.release();
    }
  });

  it('generate digits of the requested class with the demo sampler (≥ 90% of 30 by the classifier)', async () => {
    const tokenizer = await SetTokenizer.load(DEMO_MODEL_PATHS.tokenizer);
    const generator = await DiT1D.load(DEMO_MODEL_PATHS.generator);
    const classifier = await DigitClassifier.load(DEMO_MODEL_PATHS.classifier);
    try {
      const { images, labels, rowSums } = await generateDigits(generator, tokenizer, {
        ...DEMO_SAMPLER,
        perClass: 3,
      });
      const { predictions } = await classifier.classify(images);
      expect(accuracy(predictions, labels)).toBeGreaterThanOrEqual(0.9);
      // the preset never adjusts its draws to the fixed sum: the sets come out longer than 32
      expect(rowSums).toHaveLength(30);
      expect(Math.min(...rowSums)).toBeGreaterThan(32);
    } finally {
      await tokenizer.release();
      await generator.release();
      await classifier.release();
    }
  });

  it('keeps the fixed sum when the demo sampler adjusts from t = 0', async () => {
    const tokenizer = await SetTokenizer.load(DEMO_MODEL_PATHS.tokenizer);
    const generator = await DiT1D.load(DEMO_MODEL_PATHS.generator);
    try {
      const { rowSums } = await generateDigits(generator, tokenizer, {
        ...DEMO_SAMPLER,
        adjustFrom: 0,
        adjust: 'exact',
        perClass: 1,
      });
      expect([...rowSums]).toEqual(Array(10).fill(32));
    } finally {
      await tokenizer.release();
      await generator.release();
    }
  });
});

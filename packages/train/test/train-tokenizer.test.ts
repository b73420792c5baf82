import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '@tokenset/tensor-io';
import { SetTokenizer } from '@tokenset/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStateDict } from '../src/checkpoint-files.js';
import { TrainError, trainClassifier, trainTokenizer } from '../src/index.js';
import { tokenizerForward } from '../src/parity.js';
import { stopAfterStep, TINY_TOKENIZER, tinyData } from './helpers.js';

const data = tinyData();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = {
  config: TINY_TOKENIZER,
  data,
  batchSize: 8,
  quantizeAfter: 2,
  restartEvery: 3,
  learningRate: 2e-3,
};

// Training steps are CPU-bound: generous limits for a shared 2-core machine.
describe('trainTokenizer', { timeout: 240_000 }, () => {
  it('lowers the loss, writes a state dict that SetTokenizer.load reads, and matches onnxruntime', async () => {
    const losses: number[] = [];
    const out = join(dir, 'run');
    const result = await trainTokenizer({
      ...base,
      out,
      steps: 8,
      onProgress: (e) => {
        if (e.status === 'step') losses.push(e.metrics.mse);
      },
    });
    expect(result.steps).toBe(8);
    expect(Math.min(...losses.slice(-3))).toBeLessThan(losses[0]);

    // A plain state dict (the released tokenizer's layout) with the heads in tokenizer.json.
    const checkpoint = await readCheckpoint(result.tokenizerPath);
    const names = [...checkpoint.tensors().keys()];
    await checkpoint.close();
    expect(names[0]).toBe('latent_tokens');
    expect(names).toContain('quantize.embedding.weight');
    expect(JSON.parse(await readFile(result.configPath, 'utf8')).numHeads).toBe(2);

    const tokenizer = await SetTokenizer.load(result.tokenizerPath);
    try {
      const images = data.images.subarray(0, 4 * 3072);
      const ort = await tokenizer.encodeFloat(nchw(images, 4));
      const tfjs = await tokenizerForward(result.tokenizerPath, images, 4);
      expect(Array.from(tfjs.tokens)).toEqual(Array.from(ort.tokens));
      const decoded = await tokenizer.decodeFloat(ort.tokens);
      expect(maxRelative(tfjs.decodedNchw, decoded)).toBeLessThan(1e-4);
    } finally {
      await tokenizer.release();
    }
  });

  it('resumes to exactly the weights of an uninterrupted run', async () => {
    // with shift augmentation: the shifts too are a function of (seed, step)
    const straight = join(dir, 'straight');
    await trainTokenizer({ ...base, shift: 2, out: straight, steps: 6 });
    const split = join(dir, 'split');
    await trainTokenizer({
      ...base,
      shift: 2,
      out: split,
      steps: 6,
      ...stopAfterStep(4),
    });
    const resumed = await trainTokenizer({ ...base, shift: 2, out: split, steps: 6, resume: true });
    expect(resumed.steps).toBe(6);
    expect(await readFile(join(split, 'tokenizer.pth'))).toEqual(
      await readFile(join(straight, 'tokenizer.pth')),
    );
  });

  it("init: starts from a written tokenizer's weights (fine-tuning), checking the file", async () => {
    const first = await trainTokenizer({ ...base, out: join(dir, 'init-a'), steps: 3 });
    // learning rate 0 and no restarts: the new run's weights stay the loaded ones, bit for bit
    const tuned = await trainTokenizer({
      ...base,
      out: join(dir, 'init-b'),
      steps: 1,
      learningRate: 0,
      restartEvery: 0,
      loss: 'clamped-mse',
      init: first.tokenizerPath,
    });
    expect(await readFile(tuned.tokenizerPath)).toEqual(await readFile(first.tokenizerPath));
    await expect(
      trainTokenizer({ ...base, out: join(dir, 'init-c'), init: first.tokenizerPath, resume: true }),
    ).rejects.toThrow('init: expected no resume (a resumed run continues its own weights), got both');
    await expect(
      trainTokenizer({ ...base, out: join(dir, 'init-d'), init: first.trainStatePath }),
    ).rejects.toThrow(
      /--init .*tokenizer\.train\.pth: expected a tokenizer state dict \(tensors at the top level\), got entries/,
    );
    await expect(
      trainTokenizer({
        ...base,
        out: join(dir, 'init-e'),
        init: first.tokenizerPath,
        config: { ...TINY_TOKENIZER, codebookSize: 32 },
      }),
    ).rejects.toThrow(
      /--init .*tokenizer\.pth: expected 'quantize\.embedding\.weight' with \d+ values, got \d+ \(width/,
    );
    expect(existsSync(join(dir, 'init-e'))).toBe(false); // checked before the output folder is made
    await expect(
      trainTokenizer({ ...base, out: join(dir, 'init-f'), init: join(dir, 'nothing.pth') }),
    ).rejects.toThrow(/--init .*nothing\.pth: expected a tokenizer state dict, got/);
  });

  it('init: grows a tokenizer deeper, starting out as the same function', async () => {
    const shallow = await trainTokenizer({ ...base, out: join(dir, 'grow-a'), steps: 3 });
    const grown = await trainTokenizer({
      ...base,
      config: { ...TINY_TOKENIZER, layers: 3 },
      out: join(dir, 'grow-b'),
      steps: 1,
      learningRate: 0,
      restartEvery: 1000, // no codebook restart either: the weights stay as loaded
      init: shallow.tokenizerPath,
    });
    const images = data.images.subarray(0, 4 * 3072);
    const run = async (path: string) => {
      const tokenizer = await SetTokenizer.load(path);
      try {
        const tokens = await tokenizer.encode(images);
        return { layers: tokenizer.config.layers, tokens, pixels: await tokenizer.decode(tokens) };
      } finally {
        await tokenizer.release();
      }
    };
    const before = await run(shallow.tokenizerPath);
    const after = await run(grown.tokenizerPath);
    expect([before.layers, after.layers]).toEqual([1, 3]);
    expect(after.tokens).toEqual(before.tokens); // the new blocks add zero: identity maps
    expect(after.pixels).toEqual(before.pixels);
    await expect(
      trainTokenizer({ ...base, out: join(dir, 'grow-c'), init: grown.tokenizerPath }),
    ).rejects.toThrow(
      /--init .*tokenizer\.pth: expected a tokenizer of 1 layers or fewer \(the run's\), got 3/,
    );
  });

  it('decoderOnly with a perceptual loss: the encoder and codebook stay, the decoder learns', async () => {
    const first = await trainTokenizer({ ...base, out: join(dir, 'dec-a'), steps: 3 });
    const classifier = await trainClassifier({ data, out: join(dir, 'dec-cls'), steps: 2, batchSize: 8 });
    const progress: Record<string, number>[] = [];
    const tuned = await trainTokenizer({
      ...base,
      restartEvery: undefined,
      out: join(dir, 'dec-b'),
      steps: 3,
      init: first.tokenizerPath,
      decoderOnly: true,
      perceptual: classifier.classifierPath,
      perceptualWeight: 0.5,
      onProgress: (e) => {
        if (e.status === 'step') progress.push(e.metrics);
      },
    });
    const before = await readStateDict(first.tokenizerPath, 'test', 'tokenizer');
    const after = await readStateDict(tuned.tokenizerPath, 'test', 'tokenizer');
    const changed = [...after].filter(([name, values]) => !equalArrays(values, before.get(name)!));
    expect(changed.length).toBeGreaterThan(0);
    for (const [name] of changed) expect(name).toMatch(/^(decoder|pixel_decoder)\./);
    expect(progress.every((m) => m.perceptual > 0 && Number.isFinite(m.loss))).toBe(true);
    const json = JSON.parse(await readFile(tuned.configPath, 'utf8'));
    expect(json).toMatchObject({
      decoderOnly: true,
      perceptual: classifier.classifierPath,
      perceptualWeight: 0.5,
    });
    // the same images give the same token sets: a generator trained on them stays valid
    const images = data.images.subarray(0, 4 * 3072);
    const tokensOf = async (path: string) => {
      const tokenizer = await SetTokenizer.load(path);
      try {
        return await tokenizer.encode(images);
      } finally {
        await tokenizer.release();
      }
    };
    expect(await tokensOf(tuned.tokenizerPath)).toEqual(await tokensOf(first.tokenizerPath));
    // a decoder-only run resumes as one, and only with the settings it was trained with
    const tunedOptions = { ...base, restartEvery: undefined, out: join(dir, 'dec-b'), resume: true };
    const perceptual = { perceptual: classifier.classifierPath, perceptualWeight: 0.5 };
    await expect(trainTokenizer({ ...tunedOptions, ...perceptual, steps: 4 })).rejects.toThrow(
      /--resume .*tokenizer\.train\.pth: the run was trained with decoderOnly true; expected the same, got false/,
    );
    await expect(trainTokenizer({ ...tunedOptions, decoderOnly: true, steps: 4 })).rejects.toThrow(
      /the run was trained with perceptual ".*classifier\.pth"; expected the same, got none/,
    );
    const longer = await trainTokenizer({ ...tunedOptions, ...perceptual, decoderOnly: true, steps: 4 });
    expect(longer.steps).toBe(4);
    const again = await trainTokenizer({ ...tunedOptions, ...perceptual, decoderOnly: true, steps: 5 });
    expect(again.steps).toBe(5); // the run remembers where it started (no codebook from data)
    expect(JSON.parse(await readFile(again.configPath, 'utf8')).init).toBe(first.tokenizerPath);
    expect(await tokensOf(longer.tokenizerPath)).toEqual(await tokensOf(first.tokenizerPath));

    await expect(
      trainTokenizer({ ...base, out: join(dir, 'dec-c'), decoderOnly: true, restartEvery: undefined }),
    ).rejects.toThrow(
      'decoderOnly: expected an init tokenizer (its encoder and codebook stay) or a resumed decoder-only run, got neither',
    );
    await expect(
      trainTokenizer({ ...base, out: join(dir, 'dec-d'), init: first.tokenizerPath, decoderOnly: true }),
    ).rejects.toThrow('restartEvery: expected 0 with decoderOnly (the codebook stays), got 3');
    await expect(
      trainTokenizer({ ...base, out: join(dir, 'dec-e'), perceptual: first.tokenizerPath }),
    ).rejects.toThrow(
      /--perceptual .*tokenizer\.pth: expected a digit classifier with 'conv1\.weight' of 864 values, got none/,
    );
    await expect(trainTokenizer({ ...base, out: join(dir, 'dec-f'), perceptualWeight: 2 })).rejects.toThrow(
      'perceptualWeight: expected a perceptual classifier to weigh, got none',
    );
    await expect(
      trainTokenizer({
        ...base,
        out: join(dir, 'dec-g'),
        perceptual: classifier.classifierPath,
        perceptualWeight: -1,
      }),
    ).rejects.toThrow('perceptualWeight: expected a positive number, got -1');
    for (const name of ['dec-c', 'dec-d', 'dec-e', 'dec-f', 'dec-g'])
      expect(existsSync(join(dir, name))).toBe(false);
  });

  it('rejects bad settings before any work, in one line', async () => {
    await expect(
      trainTokenizer({ ...base, out: join(dir, 'bad-loss'), loss: 'l2' as never }),
    ).rejects.toThrow('loss: expected one of mse, clamped-mse, l1, got "l2"');
    expect(existsSync(join(dir, 'bad-loss'))).toBe(false);
    await expect(trainTokenizer({ ...base, out: join(dir, 'bad-shift'), shift: 1.5 })).rejects.toThrow(
      'shift: expected a whole number of pixels from 0 to 31, got 1.5',
    );
    await expect(trainTokenizer({ ...base, out: join(dir, 'missing'), resume: true })).rejects.toThrow(
      /--resume: expected a checkpoint .*tokenizer\.train\.pth, got none/,
    );
    await expect(
      trainTokenizer({ ...base, out: join(dir, 'odd'), config: { ...TINY_TOKENIZER, imageSize: 30 } }),
    ).rejects.toThrow(/imageSize: expected a multiple of patchSize 4, got 30/);
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    await expect(trainTokenizer({ ...base, out: file })).rejects.toThrow(TrainError);
    const locked = join(dir, 'locked');
    await trainTokenizer({ ...base, out: locked, steps: 1 }).catch(() => {});
    await chmod(locked, 0o500);
    if (process.getuid?.() !== 0) {
      await expect(trainTokenizer({ ...base, out: join(locked, 'sub') })).rejects.toThrow(
        /expected a writable folder/,
      );
    }
    // Another kind of checkpoint under the expected name.
    const wrong = join(dir, 'wrong');
    await trainTokenizer({ ...base, out: wrong, steps: 1 });
    await writeFile(join(wrong, 'tokenizer.train.pth'), await readFile(join(wrong, 'tokenizer.pth')));
    await expect(trainTokenizer({ ...base, out: wrong, resume: true })).rejects.toThrow(
      /expected a tokenizer training checkpoint .*got a checkpoint without training progress/,
    );
    await writeFile(join(wrong, 'tokenizer.train.pth'), 'not a zip');
    await expect(trainTokenizer({ ...base, out: wrong, resume: true })).rejects.toThrow(
      /--resume .*expected a training checkpoint/,
    );
  });
});

function nchw(images: Uint8Array, n: number): Float32Array {
  const s = 32 * 32;
  const out = new Float32Array(n * 3 * s);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < s; p++)
      for (let c = 0; c < 3; c++) out[(i * 3 + c) * s + p] = images[(i * s + p) * 3 + c] / 127.5 - 1;
  return out;
}

function maxRelative(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

function equalArrays(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiT1D } from '@tokenset/dit1d';
import { type PickleObject, readCheckpoint } from '@tokenset/tensor-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainDiT1D, trainTokenizer } from '../src/index.js';
import { dit1dForward } from '../src/parity.js';
import { stopAfterStep, TINY_TOKENIZER, tinyData } from './helpers.js';

const data = tinyData();
let dir: string;
let tokenizerPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-dit-'));
  const tok = await trainTokenizer({
    config: TINY_TOKENIZER,
    data,
    batchSize: 8,
    steps: 2,
    quantizeAfter: 0,
    out: join(dir, 'tok'),
  });
  tokenizerPath = tok.tokenizerPath;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = () => ({
  tokenizer: tokenizerPath,
  data,
  batchSize: 8,
  sizes: { hiddenSize: 32, depth: 1, numHeads: 2 },
  learningRate: 3e-3,
});

// Training steps are CPU-bound: generous limits for a shared 2-core machine.
describe('trainDiT1D', { timeout: 240_000 }, () => {
  it('lowers the loss and writes {model, ema, args} that DiT1D.load reads, matching onnxruntime', async () => {
    const losses: number[] = [];
    const result = await trainDiT1D({
      ...base(),
      out: join(dir, 'gen'),
      steps: 10,
      onProgress: (e) => {
        if (e.status === 'step') losses.push(e.metrics.loss);
      },
    });
    expect(Math.max(...losses.slice(-3))).toBeLessThan(losses[0]);

    const checkpoint = await readCheckpoint(result.generatorPath);
    const root = checkpoint.root as Map<string, unknown>;
    expect([...root.keys()]).toEqual(['model', 'ema', 'args']);
    const args = root.get('args') as PickleObject;
    expect(args.fullName).toBe('argparse.Namespace');
    expect((args.state as Map<string, unknown>).get('num_heads')).toBe(2);
    await checkpoint.close();

    const dit = await DiT1D.load(result.generatorPath); // heads from args
    try {
      expect(dit.info.numHeads).toBe(2);
      const C = dit.codebookSize;
      const counts = new Int32Array(2 * C);
      for (let i = 0; i < dit.setSize; i++) {
        counts[(i * 5) % C]++;
        counts[C + ((i * 3 + 1) % C)]++;
      }
      const t = new Float32Array([0.3, 0.9]);
      const labels = new Int32Array([4, 10]);
      const ort = await dit.logits(counts, t, labels);
      const tfjs = await dit1dForward(result.generatorPath, counts, t, labels);
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < ort.length; i++) {
        scale = Math.max(scale, Math.abs(ort[i]));
        worst = Math.max(worst, Math.abs(ort[i] - tfjs[i]));
      }
      expect(worst / scale).toBeLessThan(1e-4);
    } finally {
      await dit.release();
    }
  });

  it('resumes to exactly the weights of an uninterrupted run (model and EMA)', async () => {
    const straight = join(dir, 'straight');
    await trainDiT1D({ ...base(), out: straight, steps: 4 });
    const split = join(dir, 'split');
    await trainDiT1D({
      ...base(),
      out: split,
      steps: 4,
      ...stopAfterStep(2),
    });
    await trainDiT1D({ ...base(), out: split, steps: 4, resume: true });
    expect(await readFile(join(split, 'generator.pth'))).toEqual(
      await readFile(join(straight, 'generator.pth')),
    );
  });

  it("init: starts from a written generator's EMA weights (fine-tuning), checking the file", async () => {
    const first = await trainDiT1D({ ...base(), out: join(dir, 'init-a'), steps: 2 });
    // zero steps of learning rate: the new run's weights stay the loaded EMA, bit for bit
    const tuned = await trainDiT1D({
      ...base(),
      out: join(dir, 'init-b'),
      steps: 1,
      learningRate: 0,
      init: first.generatorPath,
    });
    const read = async (path: string, group: string) => {
      const checkpoint = await readCheckpoint(path);
      try {
        const out = new Map<string, unknown[]>();
        for (const [name, ref] of checkpoint.tensors(`${group}.`)) out.set(name, [...(await ref.read())]);
        return out;
      } finally {
        await checkpoint.close();
      }
    };
    expect(await read(tuned.generatorPath, 'model')).toEqual(await read(first.generatorPath, 'ema'));
    await expect(
      trainDiT1D({ ...base(), out: join(dir, 'init-c'), init: first.generatorPath, resume: true }),
    ).rejects.toThrow('init: expected no resume (a resumed run continues its own weights), got both');
    await expect(trainDiT1D({ ...base(), out: join(dir, 'init-d'), init: tokenizerPath })).rejects.toThrow(
      /--init .*tokenizer\.pth: expected a DiT1D checkpoint with an 'ema' or 'model' state dict, got entries/,
    );
    await expect(
      trainDiT1D({
        ...base(),
        out: join(dir, 'init-e'),
        init: first.generatorPath,
        sizes: { hiddenSize: 64, depth: 1, numHeads: 2 },
      }),
    ).rejects.toThrow(
      /--init .*generator\.pth: expected 'ema\.\S+' with \d+ values, got \d+ \(C = \d+ and M = \d+ from the tokenizer, width 64, depth 1\)/,
    );
    expect(existsSync(join(dir, 'init-e'))).toBe(false); // checked before the output folder is made
  });

  it('init: grows a generator deeper, starting out as the same function', async () => {
    const shallow = await trainDiT1D({ ...base(), out: join(dir, 'grow-a'), steps: 2 });
    const deeper = await trainDiT1D({
      ...base(),
      out: join(dir, 'grow-b'),
      steps: 1,
      learningRate: 0,
      sizes: { hiddenSize: 32, depth: 3, numHeads: 2 },
      init: shallow.generatorPath,
    });
    const logits = async (path: string) => {
      const dit = await DiT1D.load(path);
      try {
        const C = dit.codebookSize;
        const counts = new Int32Array(2 * C);
        for (let i = 0; i < dit.setSize; i++) {
          counts[(i * 7) % C]++;
          counts[C + ((i * 3 + 2) % C)]++;
        }
        return {
          depth: dit.info.depth,
          values: await dit.logits(counts, new Float32Array([0.2, 0.7]), new Int32Array([3, 10])),
        };
      } finally {
        await dit.release();
      }
    };
    const before = await logits(shallow.generatorPath);
    const after = await logits(deeper.generatorPath);
    expect([before.depth, after.depth]).toEqual([1, 3]);
    // the new blocks' zero gates make them identity maps (the EMA's float32 update of an unchanged
    // weight may move its last bit, hence a tolerance rather than equality)
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < before.values.length; i++) {
      scale = Math.max(scale, Math.abs(before.values[i]));
      worst = Math.max(worst, Math.abs(after.values[i] - before.values[i]));
    }
    expect(worst / scale).toBeLessThan(1e-6);
    await expect(
      trainDiT1D({ ...base(), out: join(dir, 'grow-c'), init: deeper.generatorPath }),
    ).rejects.toThrow(
      /--init .*generator\.pth: expected a generator of depth 1 or less \(the run's\), got depth 3/,
    );
  });

  it('dataNoise and timeShift change what is trained, and generator.json records them', async () => {
    const plain = await trainDiT1D({ ...base(), out: join(dir, 'plain'), steps: 2 });
    const mixed = await trainDiT1D({ ...base(), out: join(dir, 'noise'), steps: 2, dataNoise: 1 });
    const shifted = await trainDiT1D({ ...base(), out: join(dir, 'shift'), steps: 2, timeShift: 0.2 });
    const plainBytes = await readFile(plain.generatorPath);
    expect(await readFile(mixed.generatorPath)).not.toEqual(plainBytes);
    expect(await readFile(shifted.generatorPath)).not.toEqual(plainBytes);
    const json = (name: string) => readFile(join(dir, name, 'generator.json'), 'utf8').then(JSON.parse);
    expect((await json('noise')).dataNoise).toBe(1);
    expect((await json('shift')).timeShift).toBe(0.2);
    expect(await json('plain')).not.toHaveProperty('dataNoise');
  });

  it('checks its settings before loading anything', async () => {
    await expect(trainDiT1D({ ...base(), out: join(dir, 'z2'), timeShift: -0.1 })).rejects.toThrow(
      /timeShift: expected a number in \[0, 1\], got -0.1/,
    );
    await expect(trainDiT1D({ ...base(), out: join(dir, 'z'), dataNoise: 2 })).rejects.toThrow(
      /dataNoise: expected a number in \[0, 1\], got 2/,
    );
    await expect(
      trainDiT1D({ ...base(), out: join(dir, 'x'), sizes: { hiddenSize: 30, depth: 1, numHeads: 4 } }),
    ).rejects.toThrow(/numHeads: expected a divisor of hiddenSize 30, got 4/);
    await expect(
      trainDiT1D({ ...base(), tokenizer: join(dir, 'nope.pth'), out: join(dir, 'y') }),
    ).rejects.toThrow(/nope\.pth/);
  });
});

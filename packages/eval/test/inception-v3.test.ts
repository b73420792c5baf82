import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateFolder, exportInceptionV3, InceptionV3, MetricError } from '@tokenset/eval';
import { formulaStateDict, parseShapes } from '@tokenset/formula-weights';
import { writePng } from '@tokenset/image';
import type { Float32StateDict } from '@tokenset/tensor-io';
import { readNpy, toNdarray } from '@tokenset/tensor-io';
import ndarray from 'ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, json, npy, relativeMaxError } from './fixture.js';

// The whole network with formula weights (seed 0) runs in a few seconds on a CPU, so the parity
// test against torch-fidelity's outputs stays in the unit suite.
let stateDict: Float32StateDict;
let inception: InceptionV3;
beforeAll(async () => {
  stateDict = formulaStateDict(parseShapes(await json('inception/shapes.json')), 0);
  inception = await InceptionV3.load(stateDict, { batchSize: 1 });
});
afterAll(async () => {
  await inception?.release();
});

describe('InceptionV3 (torch-fidelity inception-v3-compat)', () => {
  for (const name of ['images256', 'images299', 'images64x80']) {
    it(`matches ${name} pool features and unbiased logits within 1e-4 × max|ref|`, async () => {
      const images = await npy(`inception/${name}`);
      const [n, , height, width] = images.shape;
      const out = await inception.features(images.data as Uint8Array, { n, height, width, layout: 'nchw' });
      expect(out.n).toBe(n);
      const pool = (await npy(`inception/${name}_pool`)).data as Float32Array;
      const logits = (await npy(`inception/${name}_logits_unbiased`)).data as Float32Array;
      expect(out.pool.length).toBe(pool.length);
      expect(out.logits.length).toBe(logits.length);
      expect(relativeMaxError(out.pool, pool)).toBeLessThan(1e-4);
      expect(relativeMaxError(out.logits, logits)).toBeLessThan(1e-4);
    });
  }

  it('loads its exported .onnx bytes and reads nhwc images', async () => {
    const { model, flopsPerImage } = exportInceptionV3(stateDict);
    expect(flopsPerImage).toBeGreaterThan(11e9); // ≈ 5.7 G multiply-adds
    const fromOnnx = await InceptionV3.load(model);
    try {
      expect(fromOnnx.flopsPerImage).toBe(flopsPerImage);
      const images = await npy('inception/images64x80');
      const nchw = images.data as Uint8Array;
      const nhwc = new Uint8Array(nchw.length);
      for (let c = 0; c < 3; c++) for (let p = 0; p < 64 * 80; p++) nhwc[p * 3 + c] = nchw[c * 64 * 80 + p];
      const out = await fromOnnx.features(nhwc, { n: 1, height: 64, width: 80 });
      const pool = (await npy('inception/images64x80_pool')).data as Float32Array;
      expect(relativeMaxError(out.pool, pool)).toBeLessThan(1e-4);
    } finally {
      await fromOnnx.release();
    }
  });

  it('takes ndarray views of a readNpy result (no copy): the same features as the typed array', async () => {
    const array = await readNpy(fixturePath('inception/images64x80.npy'));
    const view = toNdarray(array, ndarray); // [1, 3, 64, 80] uint8, row-major
    expect(view.data).toBe(array.data);
    const want = await inception.features(array.data as Uint8Array, {
      n: 1,
      height: 64,
      width: 80,
      layout: 'nchw',
    });
    const nchw = await inception.features(view, { layout: 'nchw' });
    expect(nchw.pool).toEqual(want.pool);
    expect(nchw.logits).toEqual(want.logits);
    // The same pixels seen channels-last through a transposed view.
    const nhwc = await inception.features(view.transpose(0, 2, 3, 1));
    expect(nhwc.pool).toEqual(want.pool);
    await expect(inception.features(view)).rejects.toThrow(
      'images: expected an ndarray of shape [n, height, width, 3], got [1, 3, 64, 80]',
    );
    await expect(inception.features(new Uint8Array(12))).rejects.toThrow(
      /shape: expected \{ n, height, width, layout\? \} for a Uint8Array, got undefined/,
    );
  });

  it('rejects float images, wrong channel counts and incomplete state dicts', async () => {
    await expect(
      inception.features(new Float32Array(12) as never, { n: 1, height: 2, width: 2 }),
    ).rejects.toThrow(/float images/);
    await expect(inception.features(new Uint8Array(16), { n: 1, height: 2, width: 2 })).rejects.toThrow(
      MetricError,
    );
    const partial = new Map(stateDict);
    partial.delete('Mixed_6b.branch7x7_2.bn.running_var');
    expect(() => exportInceptionV3(partial)).toThrow(
      /expected a tensor 'Mixed_6b.branch7x7_2.bn.running_var'/,
    );
    await expect(InceptionV3.load(42 as never)).rejects.toThrow(TypeError);
    // A real torch.save file without InceptionV3's tensors: read, then refused by name.
    await expect(InceptionV3.load(fixturePath('checkpoints/not-inception.pth'))).rejects.toThrow(
      /expected a tensor 'Conv2d_1a_3x3.conv.weight' of torch-fidelity's InceptionV3/,
    );
  });

  it('evaluates a folder of PNGs end to end (decode, order, batches) like the fixtures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tokenset-eval-inception-'));
    try {
      // Files sort as 0-, 1-, 2-, 3-: images256[0], images256[1], images299, images64x80.
      const expectedPool: number[] = [];
      const expectedLogits: number[] = [];
      let index = 0;
      for (const name of ['images256', 'images299', 'images64x80']) {
        const images = await npy(`inception/${name}`);
        const [n, , height, width] = images.shape;
        const pool = (await npy(`inception/${name}_pool`)).data as Float32Array;
        const logits = (await npy(`inception/${name}_logits_unbiased`)).data as Float32Array;
        for (let b = 0; b < n; b++) {
          const nchw = (images.data as Uint8Array).subarray(
            b * 3 * height * width,
            (b + 1) * 3 * height * width,
          );
          const nhwc = new Uint8Array(nchw.length);
          for (let c = 0; c < 3; c++)
            for (let p = 0; p < height * width; p++) nhwc[p * 3 + c] = nchw[c * height * width + p];
          await writePng(join(dir, `${index++}-${name}.png`), { width, height, data: nhwc });
          expectedPool.push(...pool.subarray(b * 2048, (b + 1) * 2048));
          expectedLogits.push(...logits.subarray(b * 1008, (b + 1) * 1008));
        }
      }
      const result = await evaluateFolder(dir, { inception, batchSize: 2, splits: 2 });
      expect(result.files).toHaveLength(4);
      expect(relativeMaxError(result.logits, expectedLogits)).toBeLessThan(1e-4);
      const sum = new Float64Array(2048);
      for (let i = 0; i < expectedPool.length; i++) sum[i % 2048] += expectedPool[i];
      expect(relativeMaxError(result.statistics.sum, sum)).toBeLessThan(1e-4);
      expect(result.inceptionScore.scores).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

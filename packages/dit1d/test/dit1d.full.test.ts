// Full-size checks (opt-in: `pnpm test:full`). DiT1D-S with weights made by the reference formula
// (@tokenset/formula-weights) against the reference logits; fp16 against fp32; a DiT1D-B run once;
// a checkpoint file converted to .onnx and loaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertDiT1DCheckpoint, DiT1D, dit1dShapes } from '@tokenset/dit1d';
import { formulaStateDict, parseShapes } from '@tokenset/formula-weights';
import { writeCheckpoint } from '@tokenset/tensor-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, i32, json, maxDiff } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dit1d-full-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let x: Int32Array;
let t: Float32Array;
let y: Int32Array;
let reference: Float32Array;
let refMax = 0;
beforeAll(async () => {
  [x, t, y, reference] = await Promise.all([
    i32('full-dit1d-s/x'),
    f32('full-dit1d-s/t'),
    i32('full-dit1d-s/y'),
    f32('full-dit1d-s/logits'),
  ]);
  for (const v of reference) refMax = Math.max(refMax, Math.abs(v));
});

const sShapes = () => parseShapes(json('full-dit1d-s/shapes.json'));

function softmaxRows(logits: Float32Array, K: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / K; r++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, logits[r * K + k]);
    let z = 0;
    for (let k = 0; k < K; k++) z += out[r * K + k] = Math.exp(logits[r * K + k] - m);
    for (let k = 0; k < K; k++) out[r * K + k] /= z;
  }
  return out;
}

describe('DiT1D-S (full size, formula weights)', () => {
  it.each(['fused', 'standard'] as const)(
    'matches the reference logits within 1e-4 × max|ref| (%s attention)',
    async (attention) => {
      const dit = await DiT1D.fromStateDict(formulaStateDict(sShapes()), {
        preset: 'DiT1D-S',
        attention,
        consumeStateDict: true,
      });
      try {
        const start = performance.now();
        const logits = await dit.logits(x, t, y);
        const seconds = (performance.now() - start) / 1000;
        const diff = maxDiff(logits, reference);
        console.log(
          `DiT1D-S ${attention}: max |Δlogit| = ${diff.toExponential(2)} (${(diff / refMax).toExponential(2)} × max|ref| = ${refMax.toFixed(3)}), forward B=2 ${seconds.toFixed(2)} s`,
        );
        expect(diff).toBeLessThan(1e-4 * refMax);
        const probs = await dit.probabilities(x, t, y);
        expect(maxDiff(probs, softmaxRows(reference, 129))).toBeLessThan(1e-5);
      } finally {
        await dit.release();
      }
    },
  );

  it('fp16 export stays close to fp32 (max probability difference reported)', async () => {
    const half = await DiT1D.fromStateDict(formulaStateDict(sShapes()), {
      preset: 'DiT1D-S',
      dtype: 'fp16',
      consumeStateDict: true,
    });
    try {
      const start = performance.now();
      const probs = await half.probabilities(x, t, y);
      const seconds = (performance.now() - start) / 1000;
      const diff = maxDiff(probs, softmaxRows(reference, 129));
      console.log(
        `DiT1D-S fp16 on CPU vs fp32 reference: max |Δprob| = ${diff.toExponential(2)}, forward B=2 ${seconds.toFixed(2)} s`,
      );
      expect(diff).toBeLessThan(2e-2);
    } finally {
      await half.release();
    }
  });

  it('converts a checkpoint file to .onnx that loads and matches the reference', async () => {
    const pth = join(dir, 'dit1d-s.pth');
    const sd = formulaStateDict(sShapes());
    await writeCheckpoint(
      pth,
      [...sd].map(
        ([name, v]) => [name, { dtype: 'float32', shape: v.shape, data: v.data }] as [string, never],
      ),
    );
    sd.clear();
    const onnx = join(dir, 'dit1d-s.onnx');
    const result = await convertDiT1DCheckpoint(pth, onnx, { preset: 'DiT1D-S' });
    expect(result.info.numHeads).toBe(6);
    const dit = await DiT1D.load(onnx);
    try {
      expect(maxDiff(await dit.logits(x, t, y), reference)).toBeLessThan(1e-4 * refMax);
    } finally {
      await dit.release();
    }
  });
});

describe('DiT1D-B (full size, formula weights)', () => {
  it('exports and runs once: shape, finite outputs, time', async () => {
    const shapes = dit1dShapes({
      codebookSize: 4096,
      setSize: 128,
      hiddenSize: 768,
      depth: 12,
      numClasses: 1000,
    });
    let start = performance.now();
    const sd = formulaStateDict(shapes);
    const params = shapes.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    const synth = (performance.now() - start) / 1000;
    start = performance.now();
    const dit = await DiT1D.fromStateDict(sd, { preset: 'DiT1D-B', consumeStateDict: true });
    const load = (performance.now() - start) / 1000;
    try {
      start = performance.now();
      const probs = await dit.probabilities(x, t, y);
      const seconds = (performance.now() - start) / 1000;
      console.log(
        `DiT1D-B: ${(params / 1e6).toFixed(1)}M parameters; synthesise ${synth.toFixed(1)} s, export+load ${load.toFixed(1)} s, forward B=2 ${seconds.toFixed(2)} s`,
      );
      expect(dit.info).toMatchObject({ hiddenSize: 768, depth: 12, numHeads: 12 });
      expect(probs.length).toBe(2 * 4096 * 129);
      expect(probs.every(Number.isFinite)).toBe(true);
      for (let r = 0; r < 10; r++) {
        let s = 0;
        for (let k = 0; k < 129; k++) s += probs[r * 129 + k];
        expect(s).toBeCloseTo(1, 5);
      }
    } finally {
      await dit.release();
    }
  });
});

import { createHash } from 'node:crypto';
import { sample } from '@tokenset/fsdd';
import { describe, expect, it } from 'vitest';
import { referenceSample } from '../bench/reference-sampler.ts';
import { rowsFor } from '../bench/sample.bench.ts';
import {
  flattened,
  inputDenoiser,
  modelCacheKey,
  REAL_SIZE,
  rowLength,
  type SamplerInput,
  stubDenoiser,
  tiled,
} from '../bench/sampler-inputs.ts';
import { addProfiles, samplerShare } from '../bench/trained-step.bench.ts';
import { seededUniform } from '../src/index.ts';

// The benchmark's helpers at a size of their own (the trained demo model's: C = 128, M = 32).
const DEMO = { codebookSize: 128, setSize: 32 };
const K = DEMO.setSize + 1;

/** `rows` rows of distributions at the demo size, each one distinct. */
function distributions(rows: number, seed: string): Float32Array {
  const u = seededUniform(seed);
  const probs = new Float32Array(rows * rowLength(DEMO));
  for (let o = 0; o < probs.length; o += K) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += probs[o + k] = u() / (1 + k);
    for (let k = 0; k < K; k++) probs[o + k] /= sum;
  }
  return probs;
}

describe('sampler benchmark inputs, per-input sizes', () => {
  it('modelCacheKey is the first 12 hex digits of the SHA-1 and changes with the bytes', () => {
    const bytes = new TextEncoder().encode('abc');
    expect(modelCacheKey(bytes)).toBe('a9993e364706');
    expect(modelCacheKey(bytes)).toBe(createHash('sha1').update(bytes).digest('hex').slice(0, 12));
    expect(modelCacheKey(new TextEncoder().encode('abd'))).not.toBe(modelCacheKey(bytes));
  });

  it('tiled cycles rows of the given size and names a wrong length', () => {
    const probs = distributions(2, 'tile');
    const n = rowLength(DEMO);
    expect(n).toBe(128 * 33);
    const out = tiled(probs, 2, 5, DEMO);
    expect(out.length).toBe(5 * n);
    for (let b = 0; b < 5; b++)
      expect(out.subarray(b * n, (b + 1) * n)).toEqual(probs.subarray((b % 2) * n, ((b % 2) + 1) * n));
    expect(() => tiled(probs, 2, 5, REAL_SIZE)).toThrow(
      `expected 2 rows × ${4096 * 129} values, got length ${2 * n}`,
    );
  });

  it('flattened renormalises each distribution of M + 1 counts', () => {
    const flat = flattened(distributions(1, 'flat'), DEMO);
    for (let o = 0; o < flat.length; o += K) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += flat[o + k];
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('stub denoisers carry the input sizes; sample and the reference sampler agree on them', async () => {
    const input: SamplerInput = {
      name: 'demo-size stub',
      probs: distributions(2, 'cond'),
      uncond: distributions(2, 'uncond'),
      rows: 2,
      ...DEMO,
    };
    const model = inputDenoiser(input, 3);
    expect([model.codebookSize, model.setSize]).toEqual([128, 32]);
    const doubled = await model.probabilities(
      new Int32Array(6 * 128),
      new Float32Array(6),
      new Int32Array(6),
    );
    expect(doubled.subarray(3 * rowLength(DEMO), 4 * rowLength(DEMO))).toEqual(
      input.uncond!.subarray(0, rowLength(DEMO)),
    );
    const labels = Int32Array.of(0, 1, 2);
    const ours = await sample(model, { labels, seed: 3, steps: 8, threads: 1 });
    const ref = await referenceSample(model, {
      labels,
      streams: [0, 1, 2].map((b) => seededUniform(`3:${b}`)),
      steps: 8,
    });
    expect(Array.from(ours.counts)).toEqual(Array.from(ref));
    expect(() => stubDenoiser(input.probs, 3, DEMO)).toThrow('expected 3 rows');
  });

  it('rowsFor scales the rows per run by 4096 / C', () => {
    const input = (codebookSize: number): SamplerInput => ({
      name: '',
      probs: new Float32Array(0),
      rows: 1,
      codebookSize,
      setSize: 32,
    });
    expect(rowsFor(input(4096), 8)).toBe(8);
    expect(rowsFor(input(128), 8)).toBe(256);
    expect(rowsFor(input(8192), 2)).toBe(2);
  });
});

describe('trained step benchmark helpers', () => {
  const profile = { steps: 25, modelMs: 80, guidanceMs: 5, samplerMs: 15, threads: 1 };

  it("samplerShare is the sampler's time over model + guidance + sampler", () => {
    expect(samplerShare(profile)).toBeCloseTo(0.15, 12);
    expect(samplerShare({ ...profile, modelMs: 0, guidanceMs: 0, samplerMs: 0 })).toBe(0);
  });

  it('addProfiles sums the times and the steps', () => {
    expect(addProfiles(profile, { ...profile, threads: 2 })).toEqual({
      steps: 50,
      modelMs: 160,
      guidanceMs: 10,
      samplerMs: 30,
      threads: 2,
    });
  });
});

import {
  crossEntropy,
  discretizedGaussian,
  LossBins,
  rowMeans,
  SQRT_6_F32,
  trainingExample,
} from '@tokenset/fsdd';
import { countsFromTokens } from '@tokenset/set-codec';
import { describe, expect, it } from 'vitest';
import { loadNpy } from '../../set-codec/test/npy.js';

const load = (name: string) => loadNpy(new URL(`./fixtures/training/${name}.npy`, import.meta.url));

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('tiny/training replay', () => {
  const B = 3;
  const C = 64;
  const M = 8;
  const counts = countsFromTokens(load('tokens').data, C, B);
  const uniforms = load('uniforms').data;

  it('forms the batch as train.py does: noise, t, z_t, σ, pdf, the adjusted draw', () => {
    expect(Array.from(counts)).toEqual(Array.from(load('counts').data));
    let i = 0;
    const ex = trainingExample(counts, {
      setSize: M,
      batch: B,
      uniform: () => uniforms[i++],
      returnPdf: true,
    });
    expect(i).toBe(uniforms.length);
    expect(Array.from(ex.noise)).toEqual(Array.from(load('noise').data));
    expect(maxAbs(ex.t, load('t').data)).toBeLessThanOrEqual(1e-6);
    expect(maxAbs(ex.zt, load('z_t').data)).toBeLessThanOrEqual(1e-6);
    expect(maxAbs(ex.pdf!, load('pdf').data)).toBeLessThanOrEqual(1e-6);
    expect(Array.from(ex.ztq)).toEqual(Array.from(load('z_tq').data));
    // σ is not recorded; it is |noise - counts|/4 + 1e-6
    for (let j = 0; j < B * C; j++)
      expect(ex.sigma[j]).toBe(Math.fround(Math.abs(ex.noise[j] - counts[j]) / 4 + 1e-6));
  });

  it('discretizedGaussian with the training constant equals the recorded pdf', () => {
    const pdf = discretizedGaussian(load('z_t').data as Float32Array, trainingExampleSigma(), M, {
      sqrtTwoPi: SQRT_6_F32,
    });
    expect(maxAbs(pdf, load('pdf').data)).toBeLessThanOrEqual(1e-6);
  });

  function trainingExampleSigma(): Float32Array {
    const noise = load('noise').data;
    return Float32Array.from(noise, (v, j) =>
      Math.fround(Math.fround(Math.abs(v - counts[j]) / 4) + Math.fround(1e-6)),
    );
  }

  it('crossEntropy equals the per-position loss', () => {
    const loss = crossEntropy(load('logits').data as Float32Array, counts, M + 1);
    expect(maxAbs(loss, load('loss').data)).toBeLessThanOrEqual(1e-6);
  });

  it('LossBins keeps running means per int(10·t) bin', () => {
    const bins = new LossBins();
    const loss = load('loss').data;
    const t = load('t').data;
    const means = rowMeans(loss, C);
    bins.add(t, means);
    bins.add(Float32Array.of(0.05), Float32Array.of(1));
    for (let r = 0; r < B; r++) {
      const bin = Math.trunc(Math.fround(10 * t[r]));
      expect(bins.counts[bin]).toBeGreaterThanOrEqual(1);
    }
    expect(bins.counts[0]).toBeGreaterThanOrEqual(1);
    const b = new LossBins(2);
    b.add([0.1, 0.2, 0.7], [1, 2, 5]);
    expect(Array.from(b.means)).toEqual([1.5, 5, 0]);
    expect(b.format()).toBe('1500.0000,5000.0000');
    b.reset();
    expect(b.format()).toBe('0.0000,0.0000');
    expect(() => b.add([1.5], [1])).toThrow(/t\[0\]/);
  });

  it('replaceNoise: sees each drawn row, takes the stream as without it, and may swap in other counts', () => {
    const plain = trainingExample(counts, { setSize: M, batch: B, seed: 5 });
    const seen: number[][] = [];
    const watched = trainingExample(counts, {
      setSize: M,
      batch: B,
      seed: 5,
      replaceNoise: (row, noise) => {
        seen.push([row, ...noise]);
      },
    });
    expect(seen).toEqual([0, 1, 2].map((b) => [b, ...plain.noise.subarray(b * C, (b + 1) * C)]));
    expect(watched).toEqual(plain);

    // row 1's noise becomes row 0's data: z_t mixes the two data rows, σ follows the new noise
    const swapped = trainingExample(counts, {
      setSize: M,
      batch: B,
      seed: 5,
      replaceNoise: (row, noise) => {
        if (row === 1) noise.set(counts.subarray(0, C));
      },
    });
    expect(swapped.t).toEqual(plain.t);
    for (let c = 0; c < C; c++) {
      const [x0, x1, t] = [counts[C + c], counts[c], swapped.t[1]];
      expect(swapped.noise[C + c]).toBe(x1);
      expect(swapped.zt[C + c]).toBe(Math.fround(Math.fround(t * x0) + Math.fround(Math.fround(1 - t) * x1)));
      expect(swapped.sigma[C + c]).toBe(Math.fround(Math.abs(x1 - x0) / 4 + 1e-6));
    }
    expect(swapped.ztq.subarray(0, C)).toEqual(plain.ztq.subarray(0, C));
  });

  it('rejects bad input', () => {
    expect(() => trainingExample(new Int32Array([1, 1, 1]), { setSize: 2 })).toThrow(/sum to 2, got 3/);
    expect(() =>
      trainingExample(counts, { setSize: M, batch: B, replaceNoise: (_, noise) => noise.fill(0) }),
    ).toThrow(/replaceNoise: counts row 0: expected the counts to sum to 8, got 0/);
    expect(() => crossEntropy(new Float32Array(9), [9], 9)).toThrow(
      /targets\[0\]: expected a class in \[0, 9\), got 9/,
    );
    expect(() => crossEntropy(new Float32Array(8), [1], 9)).toThrow(/logits: expected 1×9/);
  });
});

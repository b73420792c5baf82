import {
  type Denoiser,
  guidanceScale,
  guide,
  guidedDenoiser,
  parseGuidance,
  parseSigmaSchedule,
  sigmaFactor,
  strategyFromReference,
  timeGrid,
} from '@tokenset/fsdd';
import { describe, expect, it } from 'vitest';
import { loadNpy } from '../../set-codec/test/npy.js';

const load = (name: string) => loadNpy(new URL(`./fixtures/dit1d/${name}.npy`, import.meta.url));

describe('guidance schedules', () => {
  it('parses the reference string form and numbers', () => {
    expect(Array.from(parseGuidance('4_50_55')!)).toEqual([4, 50, 55]);
    expect(Array.from(parseGuidance([2, 3])!)).toEqual([2, 3]);
    expect(Array.from(parseGuidance(30)!)).toEqual([30]);
    expect(parseGuidance(1)).toBeNull();
    expect(parseGuidance('none')).toBeNull();
  });
  it('rejects malformed guidance with a message naming it', () => {
    expect(() => parseGuidance('4_x_55')).toThrow(/guidance: expected .* got "4_x_55"/);
    expect(() => parseGuidance('')).toThrow(RangeError);
    expect(() => parseGuidance(0.5)).toThrow(/scale >= 1/);
    expect(() => parseGuidance({} as unknown as number)).toThrow(TypeError);
  });
  it('picks the interval scale by float32 comparison of t with i/n, as forward_with_cfg', () => {
    const s = parseGuidance('4_50_55')!;
    expect(guidanceScale(s, 0)).toBe(4);
    expect(guidanceScale(s, 0.3)).toBe(4);
    expect(guidanceScale(s, Math.fround(1 / 3))).toBe(50);
    expect(guidanceScale(s, 0.5)).toBe(50);
    expect(guidanceScale(s, 0.7)).toBe(55);
    // the sampler's grid value for 4/6 is float32 0.6666666 < float32(2/3): the middle scale
    expect(guidanceScale(s, timeGrid(6)[4])).toBe(50);
    expect(guidanceScale(s, timeGrid(6)[5])).toBe(55);
  });
});

describe('guide', () => {
  it('computes clamp(u + s(c - u), 0) renormalised per distribution', () => {
    const cond = Float32Array.of(0.5, 0.3, 0.2, 0.1, 0.1, 0.8);
    const uncond = Float32Array.of(0.2, 0.4, 0.4, 0.3, 0.3, 0.4);
    const out = guide(cond, uncond, 4, 3);
    // row 0: [1.4, ~0, -0.4] -> [1.4, ~0, 0] -> ~[1, 0, 0]; row 1: [-0.5, -0.5, 2.0] -> [0, 0, 1]
    const expected = [1, 0, 0, 0, 0, 1];
    for (const [i, v] of out.entries()) expect(v).toBeCloseTo(expected[i], 6);
    expect(out[2]).toBe(0);
    expect(Array.from(out.subarray(3))).toEqual([0, 0, 1]);
    const mild = guide(Float32Array.of(0.6, 0.4), Float32Array.of(0.4, 0.6), 2, 2);
    expect(mild[0]).toBeCloseTo(0.8, 6);
    expect(mild[1]).toBeCloseTo(0.2, 6);
  });
  it('rejects mismatched shapes and bad scales', () => {
    expect(() => guide(new Float32Array(6), new Float32Array(3), 4, 3)).toThrow(/uncond: expected length 6/);
    expect(() => guide(new Float32Array(5), new Float32Array(5), 4, 3)).toThrow(
      /cond: expected a multiple of 3/,
    );
    expect(() => guide(new Float32Array(3), new Float32Array(3), Number.NaN, 3)).toThrow(/scale/);
  });
  it('the reference cfg fixtures have the shape guide produces: both halves equal, rows normalised', () => {
    // The tiny DiT1D's guided outputs (forward_cfg_probs, scale 4; forward_cfgint_probs, "4_50_55"
    // at t = 0.7): the end-to-end check with the model lives in @tokenset/dit1d.
    for (const name of ['forward_cfg_probs', 'forward_cfgint_probs']) {
      const p = load(name).data as Float32Array;
      const half = p.length / 2;
      expect(Array.from(p.subarray(0, half))).toEqual(Array.from(p.subarray(half)));
      for (let o = 0; o < p.length; o += 9) {
        let s = 0;
        for (let k = 0; k < 9; k++) {
          expect(p[o + k]).toBeGreaterThanOrEqual(0);
          s += p[o + k];
        }
        expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      }
    }
  });
});

describe('guidedDenoiser', () => {
  it('runs the model on [counts; counts] with [labels; null] and guides with the scale at each t', async () => {
    const C = 2;
    const M = 2;
    const calls: { counts: number[]; t: number[]; labels: number[] }[] = [];
    const raw: Denoiser = {
      codebookSize: C,
      setSize: M,
      numClasses: 5,
      async probabilities(counts, t, labels) {
        calls.push({ counts: Array.from(counts), t: Array.from(t), labels: Array.from(labels) });
        const out = new Float32Array(labels.length * C * 3);
        for (let b = 0; b < labels.length; b++) {
          const cond = labels[b] !== 5;
          for (let c = 0; c < C; c++) out.set(cond ? [0.5, 0.3, 0.2] : [0.2, 0.4, 0.4], (b * C + c) * 3);
        }
        return out;
      },
    };
    const guided = guidedDenoiser(raw, { guidance: '1_2' });
    const probs = await guided.probabilities(
      Int32Array.of(1, 1, 2, 0),
      Float32Array.of(0.2, 0.7),
      Int32Array.of(3, 4),
    );
    expect(calls).toEqual([
      { counts: [1, 1, 2, 0, 1, 1, 2, 0], t: [0.2, 0.7, 0.2, 0.7].map(Math.fround), labels: [3, 4, 5, 5] },
    ]);
    const cond = Float32Array.of(0.5, 0.3, 0.2);
    const uncond = Float32Array.of(0.2, 0.4, 0.4);
    expect(Array.from(probs.subarray(0, 3))).toEqual(Array.from(guide(cond, uncond, 1, 3)));
    expect(Array.from(probs.subarray(6, 9))).toEqual(Array.from(guide(cond, uncond, 2, 3)));
    expect(guidedDenoiser(raw, { guidance: 1 })).toBe(raw);
  });
});

describe('sigma schedules and draw strategies', () => {
  it('parses "sigmoid<k>_<c>" and constant; rejects unknown strings', () => {
    expect(parseSigmaSchedule('sigmoid100_0.8')).toEqual({ kind: 'sigmoid', k: 100, c: 0.8 });
    expect(parseSigmaSchedule('sigmoid75_0.84')).toEqual({ kind: 'sigmoid', k: 75, c: 0.84 });
    expect(parseSigmaSchedule('constant')).toEqual({ kind: 'constant' });
    expect(() => parseSigmaSchedule('cosine')).toThrow(/sigmaSchedule: expected "sigmoid<k>_<c>"/);
  });
  it('gives sigmoid(-k((i+1)/N - c)) in float32, or 1', () => {
    const s = parseSigmaSchedule('sigmoid100_0.8');
    expect(sigmaFactor(s, 0, 25)).toBe(Math.fround(1 / (1 + Math.exp(-Math.fround(-100 * (1 / 25 - 0.8))))));
    expect(sigmaFactor(s, 24, 25)).toBeLessThan(1e-8);
    expect(sigmaFactor({ kind: 'constant' }, 3, 25)).toBe(1);
  });
  it('maps the reference command-line options to strategies like sample_prob', () => {
    expect(strategyFromReference('topp', 0, 0.8)).toEqual({ kind: 'topP', p: 0.8 });
    expect(strategyFromReference('topp', 2, 0.8)).toEqual({ kind: 'topK', k: 2 });
    expect(strategyFromReference('topk', 2)).toEqual({ kind: 'topK', k: 2 });
    expect(strategyFromReference('multimonial')).toEqual({ kind: 'multinomial' });
  });
  it('timeGrid reproduces torch.linspace(0, 1, N+1) in float32', () => {
    expect(Array.from(timeGrid(6))).toEqual([
      0, 0.1666666716337204, 0.3333333432674408, 0.5, 0.6666666269302368, 0.8333333134651184, 1,
    ]);
  });
});

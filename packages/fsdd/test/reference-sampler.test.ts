import { type Denoiser, type SampleOptions, sample, seededUniform } from '@tokenset/fsdd';
import { describe, expect, it } from 'vitest';
import { type ReferenceSampleOptions, referenceSample } from '../bench/reference-sampler.ts';

// The sampler against the reference's tensor program written plainly (full sorts, full-width
// Gaussians: bench/reference-sampler.ts), on diffuse distributions where the nucleus is wide and
// the Gaussians are broad: every count identical, with the same seeded streams.
const C = 256;
const M = 32;
const K = M + 1;

function diffuse(seed: string, rows: number): Float32Array {
  const probs = new Float32Array(rows * C * K);
  const u = seededUniform(seed);
  for (let o = 0; o < probs.length; o += K) {
    const zero = 0.5 + 0.3 * u();
    let rest = 0;
    for (let k = 1; k < K; k++) rest += probs[o + k] = u() < 0.1 ? 0 : (0.2 + u()) / (1 + k / 4);
    probs[o] = zero;
    for (let k = 1; k < K; k++) probs[o + k] = ((1 - zero) * probs[o + k]) / rest;
  }
  return probs;
}

const B = 3;
const cond = diffuse('cond', B);
const doubled = new Float32Array(2 * cond.length);
doubled.set(cond);
doubled.set(diffuse('uncond', B), cond.length);
const model: Denoiser = {
  codebookSize: C,
  setSize: M,
  numClasses: 10,
  probabilities: async (_counts, t) => (t.length === B ? cond : doubled),
};

const cases: [string, Partial<SampleOptions>, Partial<ReferenceSampleOptions>][] = [
  ['defaults, no guidance', { guidance: 'none' }, { guidance: 'none' }],
  ['guidance "4_50_55"', {}, {}],
  ["adjust 'exact'", { guidance: 'none', adjust: 'exact' }, { guidance: 'none', adjust: 'exact' }],
  ['top-p 0.97', { guidance: 'none', x0: { kind: 'topP', p: 0.97 } }, { guidance: 'none', x0: 0.97 }],
  [
    'multinomial x0',
    { guidance: 'none', x0: { kind: 'multinomial' } },
    { guidance: 'none', x0: 'multinomial' },
  ],
];

describe('sample equals the reference tensor program on diffuse distributions', () => {
  it.each(cases)('%s', async (_name, options, reference) => {
    const labels = Int32Array.of(1, 2, 3);
    const expected = await referenceSample(model, {
      labels,
      streams: [0, 1, 2].map((b) => seededUniform(`9:${b}`)),
      steps: 8,
      ...reference,
    });
    const { counts } = await sample(model, { labels, seed: 9, steps: 8, ...options });
    expect(Array.from(counts)).toEqual(Array.from(expected));
  });
});

describe('rows in parallel', () => {
  it.each([2, 3])(
    'threads: %i gives the same bytes as one thread (guided, exact adjust, profile)',
    async (threads) => {
      const labels = Int32Array.of(1, 2, 3);
      const run = (n: number) =>
        sample(model, { labels, seed: 4, steps: 8, adjust: 'exact', threads: n, profile: true });
      const one = await run(1);
      const many = await run(threads);
      expect(Buffer.from(many.counts.buffer).equals(Buffer.from(one.counts.buffer))).toBe(true);
      expect(Array.from(many.tokens)).toEqual(Array.from(one.tokens));
      expect(Array.from(many.initial)).toEqual(Array.from(one.initial));
      expect(many.profile?.threads).toBe(threads);
      expect(one.profile?.steps).toBe(8);
      expect(one.profile!.guidanceMs).toBeGreaterThan(0);
    },
  );
  it('threads read unguided model output where it lies (the calling thread) or copied (the workers)', async () => {
    const labels = Int32Array.of(1, 2, 3);
    const run = (n: number) => sample(model, { labels, seed: 6, steps: 8, guidance: 'none', threads: n });
    const one = await run(1);
    const two = await run(2);
    expect(Buffer.from(two.counts.buffer).equals(Buffer.from(one.counts.buffer))).toBe(true);
  });
  it('concurrent calls take their own pooled workers, and a failed call leaves the pool usable', async () => {
    const labels = Int32Array.of(1, 2, 3);
    const run = (seed: number) => sample(model, { labels, seed, steps: 4, guidance: 'none', threads: 3 });
    const alone = await Promise.all([run(1), run(2)]);
    const together = await Promise.all([run(1), run(2), run(1)]);
    expect(Array.from(together[0].counts)).toEqual(Array.from(alone[0].counts));
    expect(Array.from(together[1].counts)).toEqual(Array.from(alone[1].counts));
    expect(Array.from(together[2].counts)).toEqual(Array.from(alone[0].counts));
  });
  it('a thread reports invalid probabilities as FsddError; threads must be 1 with uniforms', async () => {
    // NaN in the first row (the calling thread's) or only in the last (a worker's)
    const nanIn = (rows: number): Denoiser => ({
      ...model,
      probabilities: async () => {
        const p = new Float32Array(B * C * K).fill(1 / K);
        p.fill(Number.NaN, (B - rows) * C * K);
        return p;
      },
    });
    await expect(
      sample(nanIn(B), { labels: Int32Array.of(1, 2, 3), seed: 1, guidance: 'none', threads: 2 }),
    ).rejects.toThrow(/step 0: expected the denoiser's probabilities for row 0, entry 0 to be finite/);
    await expect(
      sample(nanIn(1), { labels: Int32Array.of(1, 2, 3), seed: 1, guidance: 'none', threads: 2 }),
    ).rejects.toThrow(/step 0: expected the denoiser's probabilities for row 2, entry 0 to be finite/);
    const after = await sample(model, {
      labels: Int32Array.of(1, 2, 3),
      seed: 6,
      steps: 8,
      guidance: 'none',
      threads: 2,
    });
    const one = await sample(model, {
      labels: Int32Array.of(1, 2, 3),
      seed: 6,
      steps: 8,
      guidance: 'none',
      threads: 1,
    });
    expect(Array.from(after.counts)).toEqual(Array.from(one.counts));
    await expect(
      sample(model, { labels: Int32Array.of(1), uniforms: () => Math.random, threads: 2 }),
    ).rejects.toThrow('threads: expected 1 with uniforms (a function cannot move to another thread), got 2');
    await expect(sample(model, { labels: Int32Array.of(1), threads: 0 })).rejects.toThrow(/threads/);
  });
});

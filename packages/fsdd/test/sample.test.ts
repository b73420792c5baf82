import {
  adjustsAt,
  type Denoiser,
  FsddError,
  greedyAdjust,
  SAMPLER_PRESETS,
  type SampleOptions,
  sample,
  timeGrid,
} from '@tokenset/fsdd';
import { countsFromTokens } from '@tokenset/set-codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// An oracle denoiser for a small known data set: C = 16 codes, sets of M = 4 tokens. Each class
// has known members with known frequencies; given z_t the oracle puts posterior weight on the
// members of the row's class (prior × a Gaussian approximation of the forward marginal
// z_t ≈ t·x0 + (1-t)·M/C) and predicts, per entry, the posterior mixture of the members' counts.
const C = 16;
const M = 4;
const K = M + 1;
interface Member {
  counts: Int32Array;
  label: number;
  weight: number;
}
const members: Member[] = [
  { tokens: [0, 1, 2, 3], label: 0, weight: 0.5 },
  { tokens: [4, 5, 6, 7], label: 0, weight: 0.3 },
  { tokens: [8, 9, 10, 11], label: 0, weight: 0.2 },
  { tokens: [12, 12, 13, 15], label: 1, weight: 1 },
  { tokens: [3, 5, 5, 14], label: 2, weight: 1 },
].map((m) => ({ counts: countsFromTokens(Int32Array.from(m.tokens), C), label: m.label, weight: m.weight }));

const oracle: Denoiser = {
  codebookSize: C,
  setSize: M,
  numClasses: 3,
  async probabilities(counts, t, labels) {
    const B = t.length;
    const out = new Float32Array(B * C * K);
    const logp = new Float64Array(members.length);
    for (let b = 0; b < B; b++) {
      const tb = t[b];
      const base = ((1 - tb) * M) / C;
      const variance = (1 - tb) ** 2 * (M / C) * (1 - M / C) + 0.05;
      let max = Number.NEGATIVE_INFINITY;
      members.forEach((m, i) => {
        let s = m.label === labels[b] ? Math.log(m.weight) : Number.NEGATIVE_INFINITY;
        for (let c = 0; c < C; c++) {
          const d = counts[b * C + c] - tb * m.counts[c] - base;
          s -= (d * d) / (2 * variance);
        }
        logp[i] = s;
        max = Math.max(max, s);
      });
      let total = 0;
      for (let i = 0; i < members.length; i++) total += logp[i] = Math.exp(logp[i] - max);
      for (let c = 0; c < C; c++) {
        const o = (b * C + c) * K;
        out.fill(1e-6, o, o + K);
        members.forEach((m, i) => {
          out[o + m.counts[c]] += logp[i] / total;
        });
      }
    }
    return out;
  },
};

function memberOf(counts: Int32Array, row: number): number {
  const r = counts.subarray(row * C, (row + 1) * C);
  return members.findIndex((m) => m.counts.every((v, c) => v === r[c]));
}

describe('functional: sampling an oracle denoiser returns data-set members with the true frequencies', () => {
  it('a class with one member always gives that member', async () => {
    const labels = Array.from({ length: 40 }, (_, i) => 1 + (i % 2));
    const { counts, tokens } = await sample(oracle, { labels, seed: 11, guidance: 'none' });
    for (let b = 0; b < labels.length; b++) expect(members[memberOf(counts, b)].label).toBe(labels[b]);
    expect(Array.from(tokens.subarray(0, M))).toEqual([12, 12, 13, 15]);
  });

  it('a class with members of frequencies 0.5/0.3/0.2 is sampled at those frequencies', async () => {
    // Tolerance: each frequency within 0.12 of the truth. FSDD with a factorised (per-entry)
    // denoiser is not an exact posterior sampler: with this oracle the deviation measured over
    // 2000 rows was about 0.08 (the majority member under-drawn: 0.42 for 0.5); binomial noise at
    // n = 500 adds ±0.045 at 2σ. At least 95% of rows must be exact members (the rest: sets the one-pass
    // adjustment left between members).
    const n = 500;
    const { counts } = await sample(oracle, { labels: new Int32Array(n), seed: 5, guidance: 'none' });
    const hits = [0, 0, 0];
    let outside = 0;
    for (let b = 0; b < n; b++) {
      const i = memberOf(counts, b);
      if (i >= 0 && i < 3) hits[i]++;
      else outside++;
    }
    expect(outside / n).toBeLessThanOrEqual(0.05);
    const freq = hits.map((h) => h / n);
    for (const [i, truth] of [0.5, 0.3, 0.2].entries())
      expect(Math.abs(freq[i] - truth)).toBeLessThanOrEqual(0.12);
  });
});

describe('properties', () => {
  it("rows do not depend on the batch with fallback: 'row' (and seeds)", async () => {
    let fellBack = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 5, maxLength: 5 }),
        async (labels, seedPool) => {
          const seeds = labels.map((_, b) => seedPool[b]);
          const options: Partial<SampleOptions> = { guidance: 'none', fallback: 'row', steps: 8 };
          const all = await sample(oracle, { labels, seeds, ...options });
          fellBack += all.fallbackSteps.length;
          for (let b = 0; b < labels.length; b++) {
            const alone = await sample(oracle, { labels: [labels[b]], seeds: [seeds[b]], ...options });
            expect(Array.from(alone.counts)).toEqual(Array.from(all.counts.subarray(b * C, (b + 1) * C)));
          }
        },
      ),
      { seed: 42, numRuns: 15 },
    );
    // the property is only meaningful if some rows did fall back
    expect(fellBack).toBeGreaterThan(0);
  });

  it("with the reference's fallback: 'batch', one row's fallback rounds the whole batch; 'row' only that row", async () => {
    const options = { guidance: 'none' as const, steps: 8, labels: [0] };
    let checked = false;
    for (let s = 0; s < 40 && !checked; s++) {
      const a = await sample(oracle, { ...options, seeds: [`a${s}`] });
      const b = await sample(oracle, { ...options, seeds: [`b${s}`] });
      const onlyA = a.fallbackSteps.filter((step) => !b.fallbackSteps.includes(step));
      if (onlyA.length === 0 || a.fallbackSteps[0] !== onlyA[0] || b.fallbackSteps[0] < onlyA[0]) continue;
      // both rows agree with their solo runs up to a's first fallback (b has none before it)
      const step = onlyA[0];
      for (const fallback of ['batch', 'row'] as const) {
        const rows: number[][] = [];
        await sample(oracle, {
          ...options,
          labels: [0, 0],
          seeds: [`a${s}`, `b${s}`],
          fallback,
          onStep: (info) => {
            if (info.step === step) rows.push(Array.from(info.fallbackRows));
          },
        });
        expect(rows).toEqual([fallback === 'batch' ? [1, 1] : [1, 0]]);
      }
      checked = true;
    }
    expect(checked).toBe(true);
  });

  it('the same seed gives the same sample; row b of seed s equals seeds[b] = "s:b"', async () => {
    const a = await sample(oracle, { labels: [0, 1, 2], seed: 'x', guidance: 'none', steps: 6 });
    const b = await sample(oracle, { labels: [0, 1, 2], seed: 'x', guidance: 'none', steps: 6 });
    const c = await sample(oracle, {
      labels: [0, 1, 2],
      seeds: ['x:0', 'x:1', 'x:2'],
      guidance: 'none',
      steps: 6,
    });
    expect(Array.from(a.counts)).toEqual(Array.from(b.counts));
    expect(Array.from(a.counts)).toEqual(Array.from(c.counts));
    expect(a.seeds).toEqual(['x:0', 'x:1', 'x:2']);
  });

  it("'exact' greedy adjustment always reaches the target sum", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 3 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.nat(),
        (codebook, classes, batch, stream, targetSeed) => {
          const it = stream[Symbol.iterator]();
          const z = Int32Array.from({ length: batch * codebook }, () =>
            Math.min(classes - 1, Math.floor(it.next().value * classes)),
          );
          const probs = Float32Array.from({ length: batch * codebook * classes }, () => it.next().value);
          const target = targetSeed % (codebook * (classes - 1) + 1);
          const out = greedyAdjust(z, probs, target, { batch, mode: 'exact' });
          for (let b = 0; b < batch; b++) {
            const row = out.subarray(b * codebook, (b + 1) * codebook);
            expect(row.reduce((s, v) => s + v, 0)).toBe(target);
            expect(row.every((v) => v >= 0 && v < classes)).toBe(true);
          }
        },
      ),
      { seed: 3, numRuns: 300 },
    );
  });

  it("'exact' adjustment in the sampler gives every row the fixed sum at every adjusted step", async () => {
    const sums: number[] = [];
    await sample(oracle, {
      labels: [0, 0, 1, 2],
      seed: 8,
      guidance: 'none',
      adjust: 'exact',
      onStep: ({ counts }) => {
        for (let b = 0; b < 4; b++) sums.push(counts.subarray(b * C, (b + 1) * C).reduce((s, v) => s + v, 0));
      },
    });
    expect(new Set(sums)).toEqual(new Set([M]));
  });

  it('the high-quality preset (adjustment step 1.0) never adjusts: rows may end over M, tokens keep the M smallest ids; adjustFrom 0 keeps M', async () => {
    // Every entry predicted 1 with probability 0.6: top-k 2 draws give about 0.6·C ones per row.
    const bloated: Denoiser = {
      codebookSize: C,
      setSize: M,
      numClasses: 3,
      async probabilities(_counts, t) {
        const probs = new Float32Array(t.length * C * K);
        for (let i = 0; i < t.length * C; i++) probs.set([0.4, 0.6], i * K);
        return probs;
      },
    };
    const last = timeGrid(25)[24]; // 0.96: the last model call's t
    expect(adjustsAt({ kind: 'topK', k: 2 }, last, 1)).toBe(false);
    expect(adjustsAt({ kind: 'topK', k: 2 }, last, 0.65)).toBe(true);
    expect(adjustsAt({ kind: 'multinomial' }, 0, 1)).toBe(true); // multinomial draws always are
    const options = {
      ...SAMPLER_PRESETS['high-quality'],
      labels: [0, 1],
      seed: 2,
      guidance: 'none' as const,
    };
    const free = await sample(bloated, options);
    for (let b = 0; b < 2; b++) {
      const row = free.counts.subarray(b * C, (b + 1) * C);
      expect(free.rowSums[b]).toBe(row.reduce((s, v) => s + v, 0));
      expect(free.rowSums[b]).toBeGreaterThan(M);
      const ids = [...row.keys()].flatMap((c) => Array<number>(row[c]).fill(c));
      expect([...free.tokens.subarray(b * M, (b + 1) * M)]).toEqual(ids.slice(0, M));
    }
    const fixed = await sample(bloated, { ...options, adjustFrom: 0, adjust: 'exact' });
    expect([...fixed.rowSums]).toEqual([M, M]);
    for (let b = 0; b < 2; b++)
      expect(fixed.counts.subarray(b * C, (b + 1) * C).reduce((s, v) => s + v, 0)).toBe(M);
  });
});

describe('bad input', () => {
  const ok = { labels: [0], guidance: 'none' as const, seed: 1 };
  it('rejects bad options with messages that name them', async () => {
    await expect(sample(oracle, { ...ok, steps: 0 })).rejects.toThrow(
      'steps: expected an integer in [1, 1000000], got 0',
    );
    await expect(sample(oracle, { ...ok, labels: [4] })).rejects.toThrow(
      'labels[0]: expected a class in [0, 3] (3 = null), got 4',
    );
    await expect(sample(oracle, { ...ok, labels: [] })).rejects.toThrow(
      /labels: expected at least one label/,
    );
    await expect(sample(oracle, { ...ok, x0: { kind: 'topP', p: 0 } })).rejects.toThrow(
      'x0.p: expected a probability in (0, 1], got 0',
    );
    await expect(sample(oracle, { ...ok, xt: { kind: 'topP', p: 1.5 } })).rejects.toThrow(/xt.p: .* got 1.5/);
    await expect(sample(oracle, { ...ok, x0: { kind: 'topK', k: 0 } })).rejects.toThrow(/x0.k/);
    await expect(
      sample(oracle, { ...ok, x0: { kind: 'nucleus' } as unknown as SampleOptions['x0'] }),
    ).rejects.toThrow(/x0.kind: expected one of topP, topK, multinomial, got nucleus/);
    await expect(sample(oracle, { ...ok, fallback: 'none' as 'row' })).rejects.toThrow(
      /fallback: expected one of batch, row/,
    );
    await expect(sample(oracle, { ...ok, sigmaSchedule: 'sigmoid' })).rejects.toThrow(/sigmaSchedule/);
    await expect(sample(oracle, { ...ok, seeds: [1, 2] })).rejects.toThrow(
      /seeds: expected one seed per row \(1\), got 2/,
    );
    await expect(sample(oracle, { ...ok, initial: new Int32Array(C) })).rejects.toThrow(
      'counts row 0: expected the counts to sum to 4, got 0',
    );
    await expect(sample({} as Denoiser, ok)).rejects.toThrow(TypeError);
  });

  const broken = (edit: (p: Float32Array) => void, length = C * K): Denoiser => ({
    ...oracle,
    async probabilities() {
      const p = new Float32Array(length).fill(1 / K);
      edit(p);
      return p;
    },
  });
  it('rejects NaN, negative, all-zero or mis-sized probabilities from the denoiser', async () => {
    await expect(
      sample(
        broken((p) => (p[3 * K + 2] = Number.NaN)),
        ok,
      ),
    ).rejects.toThrow(
      /step 0: expected the denoiser's probabilities for row 0, entry 3 to be finite, non-negative and of positive mass, got \[.*NaN/,
    );
    await expect(
      sample(
        broken((p) => (p[5] = -0.1)),
        ok,
      ),
    ).rejects.toThrow(/row 0, entry 1 .*-0\.1/);
    await expect(
      sample(
        broken((p) => p.fill(0, 2 * K, 3 * K)),
        ok,
      ),
    ).rejects.toThrow(/entry 2/);
    await expect(
      sample(
        broken(() => {}, C * K - 1),
        ok,
      ),
    ).rejects.toThrow(
      'step 0: expected the denoiser to return a Float32Array of 1×16×5 probabilities, got length 79',
    );
    await expect(
      sample(
        broken((p) => (p[0] = Number.NaN)),
        { ...ok, x0: { kind: 'multinomial' } },
      ),
    ).rejects.toThrow(FsddError);
  });
  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const run = sample(oracle, {
      ...ok,
      signal: controller.signal,
      onStep: ({ step }) => {
        if (step === 2) controller.abort(new Error('stopped by test'));
      },
    });
    await expect(run).rejects.toThrow('stopped by test');
  });
});

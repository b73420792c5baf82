import { drawCounts, FsddError, topK, topP } from '@tokenset/fsdd';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f32 = Math.fround;

/** The reference filters written the obvious way: full stable sort, float32 cumsum (double accumulation). */
function naive(
  probs: Float32Array,
  K: number,
  keep: (sorted: number[], row: Float32Array) => number,
): Float32Array {
  const out = new Float32Array(probs.length);
  for (let o = 0; o < probs.length; o += K) {
    const row = probs.subarray(o, o + K);
    const order = Array.from({ length: K }, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
    const n = keep(order, row);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += row[order[j]];
    const s = f32(sum);
    for (let j = 0; j < n; j++) out[o + order[j]] = f32(row[order[j]] / s);
  }
  return out;
}

/** The reference's top-p written the obvious way: keep while the float32 cumsum before a value is ≤ p. */
function naiveTopP(probs: Float32Array, K: number, p: number): Float32Array {
  return naive(probs, K, (order, row) => {
    let cum = row[order[0]];
    let n = 1;
    while (n < K && f32(cum) <= f32(p)) cum += row[order[n++]];
    return n;
  });
}

/** Inverse CDF over filtered weights in index order: the first k whose float64 cdf passes u·total. */
function naiveDraw(weights: Float32Array, uniform: number): number {
  let total = 0;
  for (const w of weights) total += w;
  let cdf = 0;
  for (let k = 0; k < weights.length; k++) {
    cdf += weights[k];
    if (cdf > uniform * total) return k;
  }
  return weights.length - 1;
}

const distributions = fc
  .tuple(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 6 }))
  .chain(([K, n]) =>
    fc.tuple(
      fc.constant(K),
      fc.array(fc.oneof(fc.constant(0), fc.constant(0.25), fc.float({ min: 0, max: 1, noNaN: true })), {
        minLength: K * n,
        maxLength: K * n,
      }),
    ),
  )
  .filter(([K, values]) => {
    for (let o = 0; o < values.length; o += K) if (!values.slice(o, o + K).some((v) => v > 0)) return false;
    return true;
  });

describe('filters against a plain full-sort implementation', () => {
  it('topP keeps the same nucleus with the same weights (including nuclei wider than 8)', () => {
    fc.assert(
      fc.property(distributions, fc.double({ min: 0.05, max: 1, noNaN: true }), ([K, values], p) => {
        const probs = Float32Array.from(values);
        const expected = naiveTopP(probs, K, p);
        expect(Array.from(topP(probs, p, K))).toEqual(Array.from(expected));
      }),
      { seed: 21, numRuns: 300 },
    );
  });
  it('topP on normalised distributions of up to 140 values (zeros, ties, tiny values, p near 1)', () => {
    const normalised = fc
      .tuple(
        fc.integer({ min: 2, max: 140 }),
        fc.array(
          fc.oneof(
            fc.constant(0),
            fc.constant(0.01),
            fc.constant(1e-30),
            fc.float({ min: 0, max: 1, noNaN: true }),
            fc.float({ min: 0, max: Math.fround(1e-3), noNaN: true }),
          ),
          { minLength: 140, maxLength: 140 },
        ),
      )
      .map(([K, raw]) => {
        const row = raw.slice(0, K);
        const sum = row.reduce((s, v) => s + v, 0) || 1;
        return [K, row.map((v) => (row.every((x) => x === 0) ? 1 / K : v / sum))] as const;
      });
    const p = fc.oneof(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.constant(1), fc.constant(0.999999));
    fc.assert(
      fc.property(normalised, p, ([K, values], pp) => {
        const probs = Float32Array.from(values);
        const expected = naiveTopP(probs, K, pp);
        expect(Array.from(topP(probs, pp, K))).toEqual(Array.from(expected));
      }),
      { seed: 23, numRuns: 400 },
    );
  });
  it('topP on flat distributions (more than 32 kept: the bucket path)', () => {
    // near-uniform rows as an untrained or early model gives them: softmax of logits in a narrow
    // range, with ties (logits on a grid), zeros, and now and then a tiny value (the exactness check)
    const flat = fc
      .tuple(
        fc.integer({ min: 33, max: 140 }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.boolean(),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 140, maxLength: 140 }),
        fc.option(fc.integer({ min: 0, max: 139 }), { nil: undefined }),
        fc.array(fc.integer({ min: 0, max: 139 }), { maxLength: 40 }),
      )
      .map(([K, spread, grid, raw, tiny, zeros]) => {
        const logits = raw.slice(0, K).map((x) => (grid ? Math.round(x * 4) / 4 : x) * spread);
        const e = logits.map((l) => Math.exp(l));
        if (tiny !== undefined && tiny < K) e[tiny] = 1e-12;
        for (const z of zeros) if (z < K) e[z] = 0; // as guidance leaves them
        const sum = e.reduce((a, b) => a + b, 0);
        return [K, e.map((v) => v / sum)] as const;
      });
    const p = fc.oneof(fc.double({ min: 0.3, max: 1, noNaN: true }), fc.constant(0.8), fc.constant(0.999999));
    fc.assert(
      fc.property(flat, p, ([K, values], pp) => {
        const probs = Float32Array.from(values);
        const expected = naiveTopP(probs, K, pp);
        expect(Array.from(topP(probs, pp, K))).toEqual(Array.from(expected));
        // the draw through the same kernels: inverse CDF over the kept weights in index order
        for (const uniform of [0.001, 0.37, 0.999]) {
          const strategy = { kind: 'topP', p: pp } as const;
          const drawn = drawCounts(probs, { setSize: K - 1, strategy, t: 0, uniform: () => uniform });
          expect(drawn[0]).toBe(naiveDraw(expected, uniform));
        }
      }),
      { seed: 29, numRuns: 400 },
    );
  });
  it('draws with count 0 the largest value: the shortcut (drawsFirst) never disagrees with the filter', () => {
    // FSDD rows: count 0 holds most of the mass; uniforms at and around the draw's boundary at index 0
    const dominant = fc
      .tuple(
        fc.integer({ min: 2, max: 140 }),
        fc.double({ min: 0.2, max: 0.999, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 140, maxLength: 140 }),
        fc.boolean(),
      )
      .map(([K, head, raw, tie]) => {
        const rest = raw.slice(1, K);
        const sum = rest.reduce((a, b) => a + b, 0) || 1;
        const values = [head, ...rest.map((v) => ((1 - head) * v) / sum)];
        if (tie && K > 2) values[K - 1] = Math.fround(values[0]); // a tie with the largest
        return [K, values.map((v) => Math.min(v, head))] as const;
      });
    const strategies = fc.oneof(
      fc.double({ min: 0.05, max: 1, noNaN: true }).map((p) => ({ kind: 'topP', p }) as const),
      fc.integer({ min: 1, max: 4 }).map((k) => ({ kind: 'topK', k }) as const),
    );
    fc.assert(
      fc.property(dominant, strategies, ([K, values], chosen) => {
        const probs = Float32Array.from(values);
        const strategy =
          chosen.kind === 'topK' ? ({ kind: 'topK', k: Math.min(chosen.k, K) } as const) : chosen;
        const kept = strategy.kind === 'topP' ? topP(probs, strategy.p, K) : topK(probs, strategy.k, K);
        let total = 0;
        for (const w of kept) total += w;
        const edge = kept[0] / total; // the draw gives 0 exactly when u·total < w₀
        for (const uniform of [
          0,
          edge * (1 - 2 ** -16),
          edge * (1 - 1e-12),
          edge,
          edge * (1 + 1e-12),
          0.5,
          0.999,
        ]) {
          if (!(uniform < 1)) continue;
          const drawn = drawCounts(probs, { setSize: K - 1, strategy, t: 0, uniform: () => uniform });
          expect(drawn[0]).toBe(naiveDraw(kept, uniform));
        }
      }),
      { seed: 31, numRuns: 500 },
    );
  });
  it('topK keeps the k largest with stable ties', () => {
    fc.assert(
      fc.property(distributions, fc.nat(), ([K, values], kSeed) => {
        const probs = Float32Array.from(values);
        const k = 1 + (kSeed % K);
        const expected = naive(probs, K, () => k);
        expect(Array.from(topK(probs, k, K))).toEqual(Array.from(expected));
      }),
      { seed: 22, numRuns: 300 },
    );
  });
  it('rejects bad parameters and invalid distributions', () => {
    const probs = Float32Array.of(0.5, 0.5, 0.2, 0.8);
    expect(() => topP(probs, 0, 2)).toThrow('topP.p: expected a probability in (0, 1], got 0');
    expect(() => topP(probs, 1.01, 2)).toThrow(RangeError);
    expect(() => topK(probs, 3, 2)).toThrow('topK.k: expected an integer in [1, 2], got 3');
    expect(() => topP(probs, 0.5, 3)).toThrow(/probs: expected a positive multiple of numClasses 3/);
    expect(() => topP(Float32Array.of(0.5, Number.NaN), 0.5, 2)).toThrow(FsddError);
    // after the mass has passed p (the nucleus's second phase): NaN, negative, infinite
    for (const bad of [Number.NaN, -0.1, Number.POSITIVE_INFINITY]) {
      expect(() => topP(Float32Array.of(0.9, 0.05, bad), 0.5, 3)).toThrow(FsddError);
      expect(() => topP(Float32Array.of(bad, 0.9, 0.05), 0.5, 3)).toThrow(FsddError);
    }
    expect(() => topK(Float32Array.of(0, 0), 1, 2)).toThrow(/zero total mass/);
    expect(() =>
      drawCounts(Float32Array.of(-1, 2, 0.5, 0.5), {
        setSize: 1,
        numClasses: 2,
        strategy: { kind: 'multinomial' },
      }),
    ).toThrow(/distribution 0: .* got the value -1/);
  });
});

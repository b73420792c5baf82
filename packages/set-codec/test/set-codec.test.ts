import {
  argsortDescending,
  countsFromTokens,
  intersectionCounts,
  jaccard,
  overlap,
  roundToSum,
  SetCodecError,
  selectLargest,
  setNoise,
  tokensFromCounts,
  unionCounts,
  validateCounts,
  validateTokens,
} from '@tokenset/set-codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadNpy } from './npy.js';

const fixture = (name: string) => loadNpy(new URL(`./fixtures/pieces/${name}.npy`, import.meta.url));
const C = 64;
const M = 8;

describe('reference replays (tiny/pieces)', () => {
  it('roundToSum equals quantize_tensor', () => {
    const input = fixture('quantize_in');
    const expected = fixture('quantize_out');
    expect(Array.from(roundToSum(input.data as Float32Array, M, 4))).toEqual(Array.from(expected.data));
  });

  it('tokensFromCounts equals counts_to_x2_with_fill, including the fill of a short row', () => {
    const counts = fixture('fill_counts');
    const expected = fixture('fill_tokens');
    expect(Array.from(tokensFromCounts(counts.data, M, 4))).toEqual(Array.from(expected.data));
  });

  it('countsFromTokens equals the dual transformation, and inverts back', () => {
    const tokens = fixture('dual_tokens');
    const expected = fixture('dual_counts');
    const counts = countsFromTokens(tokens.data, C, 4);
    expect(Array.from(counts)).toEqual(Array.from(expected.data));
    const sorted = Array.from(tokens.data);
    for (let b = 0; b < 4; b++)
      sorted.splice(b * M, M, ...sorted.slice(b * M, b * M + M).sort((x, y) => x - y));
    expect(Array.from(tokensFromCounts(counts, M, 4))).toEqual(sorted);
  });
});

describe('dual transformation properties', () => {
  it('tokens → counts → tokens returns the sorted multiset (random sets)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.infiniteStream(fc.nat()),
        (codebook, setSize, batch, stream) => {
          const it = stream[Symbol.iterator]();
          const tokens = Int32Array.from({ length: batch * setSize }, () => it.next().value % codebook);
          const counts = countsFromTokens(tokens, codebook, batch);
          validateCounts(counts, { codebookSize: codebook, setSize, batch });
          const back = tokensFromCounts(counts, setSize, batch);
          for (let b = 0; b < batch; b++) {
            const row = Array.from(tokens.subarray(b * setSize, (b + 1) * setSize)).sort((x, y) => x - y);
            expect(Array.from(back.subarray(b * setSize, (b + 1) * setSize))).toEqual(row);
          }
          expect(Array.from(countsFromTokens(back, codebook, batch))).toEqual(Array.from(counts));
        },
      ),
      { seed: 1234, numRuns: 200 },
    );
  });

  it('roundToSum reaches the sum whenever the floors do not exceed it, moving each entry by < 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: 0, max: 5, noNaN: true }), { minLength: 1, maxLength: 100 }),
        fc.integer({ min: 0, max: 300 }),
        (values, sum) => {
          const x = Float32Array.from(values);
          const q = roundToSum(x, sum);
          const floors = x.reduce((s, v) => s + Math.floor(v), 0);
          const total = q.reduce((s, v) => s + v, 0);
          if (floors <= sum && sum - floors <= x.length) expect(total).toBe(sum);
          for (let i = 0; i < x.length; i++) expect(q[i] - Math.floor(x[i])).toBeGreaterThanOrEqual(0);
        },
      ),
      { seed: 99, numRuns: 200 },
    );
  });
});

describe('roundToSum details', () => {
  it('breaks ties by the lower index', () => {
    expect(Array.from(roundToSum(new Float64Array([0.5, 0.5, 0.5, 0.5]), 2))).toEqual([1, 1, 0, 0]);
  });
  it('keeps the floors when they exceed the sum (reference behaviour)', () => {
    expect(Array.from(roundToSum(new Float64Array([3.2, 2.9]), 4))).toEqual([3, 2]);
  });
  it('rejects non-finite values and a bad batch', () => {
    expect(() => roundToSum(new Float32Array([Number.NaN, 1]), 1)).toThrow(/values\[0, 0\].*NaN/);
    expect(() => roundToSum(new Float32Array(5), 1, 2)).toThrow(RangeError);
    expect(() => roundToSum([1, 2] as unknown as Float32Array, 1)).toThrow(TypeError);
  });
});

describe('argsortDescending', () => {
  it('is a stable descending sort', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 200 }), (values) => {
        const order = Array.from(argsortDescending(Float64Array.from(values)));
        const expected = values.map((_, i) => i).sort((i, j) => values[j] - values[i] || i - j);
        expect(order).toEqual(expected);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('selectLargest', () => {
  it('selects the same set as the first entries of the stable descending sort', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3, max: 5 }), { minLength: 1, maxLength: 300 }),
        fc.nat(),
        (ints, r) => {
          const values = Float64Array.from(ints, (v) => (v === -3 ? Number.NEGATIVE_INFINITY : v / 2));
          const count = r % (values.length + 2);
          const out = new Int32Array(values.length);
          const n = selectLargest(values, 0, values.length, count, out, new Float64Array(values.length));
          const expected = Array.from(argsortDescending(values).subarray(0, count)).sort((a, b) => a - b);
          expect(Array.from(out.subarray(0, n))).toEqual(expected);
        },
      ),
      { seed: 17, numRuns: 400 },
    );
  });
});

describe('setNoise', () => {
  it('gives M distinct codes per row, deterministically from the stream', () => {
    let s = 1;
    const lcg = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const noise = setNoise({ codebookSize: 100, setSize: 10, batch: 3, random: lcg });
    for (let b = 0; b < 3; b++) {
      const row = noise.subarray(b * 100, (b + 1) * 100);
      expect(row.reduce((x, y) => x + y, 0)).toBe(10);
      expect(row.every((v) => v === 0 || v === 1)).toBe(true);
    }
    s = 1;
    expect(Array.from(setNoise({ codebookSize: 100, setSize: 10, batch: 3, random: lcg }))).toEqual(
      Array.from(noise),
    );
  });
  it('picks the positions of the largest uniforms', () => {
    const u = [0.1, 0.9, 0.3, 0.8, 0.2];
    let i = 0;
    const noise = setNoise({ codebookSize: 5, setSize: 2, random: () => u[i++] });
    expect(Array.from(noise)).toEqual([0, 1, 0, 1, 0]);
  });
});

describe('multiset operations', () => {
  const a = new Int32Array([2, 1, 0, 0, 3, 0]);
  const b = new Int32Array([1, 1, 1, 0, 0, 2]);
  it('intersection, union, overlap and Jaccard per row', () => {
    expect(Array.from(intersectionCounts(a, b))).toEqual([1, 1, 0, 0, 0, 0]);
    expect(Array.from(unionCounts(a, b))).toEqual([2, 1, 1, 0, 3, 2]);
    expect(Array.from(overlap(a, b, 2))).toEqual([2, 0]);
    expect(Array.from(jaccard(a, b, 2))).toEqual([2 / 4, 0 / 5]);
  });
  it('rejects mismatched shapes', () => {
    expect(() => overlap(a, new Int32Array(4))).toThrow(/b: expected length 1×6/);
  });
});

describe('validation and bad input', () => {
  it('validateCounts names the row and entry', () => {
    expect(() =>
      validateCounts(new Int32Array([1, 1, 2, 0]), { codebookSize: 2, setSize: 2, batch: 2 }),
    ).not.toThrow();
    expect(() =>
      validateCounts(new Int32Array([1, 1, 3, -1]), { codebookSize: 2, setSize: 2, batch: 2 }),
    ).toThrow('counts[1, 0]: expected an integer count in [0, 2], got 3');
    expect(() =>
      validateCounts(new Int32Array([1, 0, 0, 1]), { codebookSize: 2, setSize: 2, batch: 2 }),
    ).toThrow('counts row 0: expected the counts to sum to 2, got 1');
    expect(() => validateCounts(new Int32Array(3), { codebookSize: 2, setSize: 2 })).toThrow(
      'counts: expected length 1×2 = 2, got 3',
    );
  });
  it('validateTokens and countsFromTokens reject ids out of range', () => {
    expect(() => validateTokens(new Int32Array([0, 5]), { codebookSize: 5 })).toThrow(
      'tokens[0, 1]: expected an integer token id in [0, 5), got 5',
    );
    expect(() => countsFromTokens(new Int32Array([0, -1]), 5)).toThrow(/got -1/);
    expect(() => countsFromTokens(new Int32Array(3), 5, 2)).toThrow(/positive multiple of batch 2/);
    expect(() => countsFromTokens(new Int32Array(3), 0)).toThrow(/codebookSize/);
  });
  it('tokensFromCounts rejects NaN and rows that cannot be filled', () => {
    expect(() => tokensFromCounts(new Float32Array([Number.NaN, 1]), 1)).toThrow(/expected a finite count/);
    expect(() => tokensFromCounts(new Int32Array([0, 0]), 5)).toThrow(SetCodecError);
  });
});

import { inceptionScore, MetricError, MT19937, numpyPermutation } from '@tokenset/eval';
import { describe, expect, it } from 'vitest';
import { json, npy } from './fixture.js';

interface Expected {
  isc_splits10_mean: number;
  isc_splits10_std: number;
  isc_splits3_noshuffle_mean: number;
  isc_splits3_noshuffle_std: number;
}

describe('MT19937 and numpy permutation', () => {
  it('reproduces RandomState(2020).permutation(600) exactly', async () => {
    const expected = await npy('fid/permutation_2020');
    expect(Array.from(numpyPermutation(600, 2020))).toEqual(
      Array.from(expected.data as BigInt64Array, Number),
    );
  });

  it('matches the MT19937 reference output for init_genrand(5489)', () => {
    // First output of the reference mt19937ar.c seeded with its default seed 5489.
    expect(new MT19937(5489).nextUint32()).toBe(3499211612);
  });

  it('rejects bad seeds', () => {
    expect(() => new MT19937(-1)).toThrow(RangeError);
    expect(() => new MT19937(2 ** 32)).toThrow(RangeError);
  });
});

describe('inceptionScore (torch-fidelity isc_features_to_metric)', () => {
  it('matches 10 shuffled splits and 3 unshuffled splits within 1e-9 relative', async () => {
    const expected = await json<Expected>('fid/expected.json');
    const logits = (await npy('fid/logits')).data as Float32Array;
    const a = inceptionScore(logits);
    expect(Math.abs(a.mean / expected.isc_splits10_mean - 1)).toBeLessThan(1e-9);
    expect(Math.abs(a.std / expected.isc_splits10_std - 1)).toBeLessThan(1e-9);
    expect(a.scores).toHaveLength(10);
    const b = inceptionScore(logits, { splits: 3, shuffle: false });
    expect(Math.abs(b.mean / expected.isc_splits3_noshuffle_mean - 1)).toBeLessThan(1e-9);
    expect(Math.abs(b.std / expected.isc_splits3_noshuffle_std - 1)).toBeLessThan(1e-9);
  });

  it('rejects bad input', () => {
    expect(() => inceptionScore([1, 2] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => inceptionScore(new Float32Array(1009))).toThrow(MetricError);
    expect(() => inceptionScore(new Float32Array(1008 * 3), { splits: 4 })).toThrow(RangeError);
  });
});

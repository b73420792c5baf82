import { DiT1D } from '@tokenset/dit1d';
import { guidedDenoiser } from '@tokenset/fsdd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, fixture, i32, maxDiff } from './fixtures.js';

// Reference models.py `forward_with_cfg`: the first half of the batch is run twice (conditional
// labels, then the null label), probabilities are mixed as clamp(u + s(c - u), 0) renormalised and
// returned for both halves. fsdd's guidedDenoiser forms that doubled batch from the conditional rows.
let dit: DiT1D;
beforeAll(async () => {
  dit = await DiT1D.load(fixture('tiny-dit1d/dit1d.pth'), { numHeads: 4, threads: 1 });
});
afterAll(() => dit?.release());

async function guided(guidance: number | string, tName: string, expectedName: string) {
  const x = await i32('tiny-dit1d/forward_cfg_x');
  const t = await f32(tName);
  const y = await i32('tiny-dit1d/forward_cfg_y');
  const expected = await f32(expectedName);
  const B = t.length / 2;
  const C = dit.codebookSize;
  expect(Array.from(y.subarray(B))).toEqual(new Array(B).fill(dit.numClasses)); // the null halves
  const model = guidedDenoiser(dit, { guidance });
  const probs = await model.probabilities(x.slice(0, B * C), t.slice(0, B), y.slice(0, B));
  const half = expected.length / 2;
  return { probs, first: expected.subarray(0, half), second: expected.subarray(half) };
}

describe('classifier-free guidance with fsdd', () => {
  it('reproduces forward_cfg_probs (scale 4) within 1e-5', async () => {
    const { probs, first, second } = await guided(
      4,
      'tiny-dit1d/forward_cfg_t',
      'tiny-dit1d/forward_cfg_probs',
    );
    expect(maxDiff(probs, first)).toBeLessThan(1e-5);
    expect(maxDiff(probs, second)).toBeLessThan(1e-5);
  });

  it('reproduces forward_cfgint_probs (interval schedule "4_50_55" at t = 0.7) within the amplified tolerance', async () => {
    const { probs, first, second } = await guided(
      '4_50_55',
      'tiny-dit1d/forward_cfgint_t',
      'tiny-dit1d/forward_cfgint_probs',
    );
    // scale 55 multiplies float differences of ~1e-7 between two float32 implementations by ~55
    const diff = maxDiff(probs, first);
    console.log(`cfgint (scale 55): max |Δprob| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(2e-5);
    expect(maxDiff(probs, second)).toBe(diff);
  });
});

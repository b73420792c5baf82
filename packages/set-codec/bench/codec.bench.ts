import { countsFromTokens, roundToSum, setNoise, tokensFromCounts } from '@tokenset/set-codec';
import { type Bench, medianMs } from '../../../scripts/bench-types.ts';

// The dual transformation and fixed-sum rounding at the real size (C=4096, M=128) for a batch of
// 64 sets, against one pass that reads the counts and writes a row-sized output (the floor).
const C = 4096;
const M = 128;
const B = 64;

const bench: Bench = async () => {
  let s = 1;
  const random = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const noise = setNoise({ codebookSize: C, setSize: M, batch: B, random });
  const tokens = tokensFromCounts(noise, M, B);
  const values = Float32Array.from({ length: B * C }, () => random() * (M / C) * 2);

  const toTokens = await medianMs(() => tokensFromCounts(noise, M, B), 7, 2);
  const toCounts = await medianMs(() => countsFromTokens(tokens, C, B), 7, 2);
  const rounding = await medianMs(() => roundToSum(values, M, B), 7, 2);
  const floor = await medianMs(
    () => {
      const out = new Int32Array(B * C);
      for (let i = 0; i < noise.length; i++) out[i] = noise[i] + 1;
      return out;
    },
    7,
    2,
  );
  const perSet = (ms: number) => (ms * 1000) / B;
  return [
    {
      name: `set-codec tokensFromCounts: C=${C} M=${M}, batch ${B}`,
      figure: perSet(toTokens),
      unit: 'µs/set',
      ceiling: perSet(floor),
      ceilingName: 'one pass over the counts',
      better: 'lower',
    },
    {
      name: `set-codec countsFromTokens: C=${C} M=${M}, batch ${B}`,
      figure: perSet(toCounts),
      unit: 'µs/set',
      ceiling: perSet(floor),
      ceilingName: 'one pass over the counts',
      better: 'lower',
    },
    {
      name: `set-codec roundToSum (largest remainder, stable ties): C=${C} M=${M}, batch ${B}`,
      figure: perSet(rounding),
      unit: 'µs/set',
      ceiling: perSet(floor),
      ceilingName: 'one pass over the counts',
      better: 'lower',
    },
  ];
};
export default bench;

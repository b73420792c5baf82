import { readFileSync } from 'node:fs';
import { DiT1D } from '@tokenset/dit1d';
import { formulaStateDict, parseShapes } from '@tokenset/formula-weights';
import { type Bench, median } from '../../../scripts/bench-types.ts';

// DiT1D-S (formula weights) forward in fp32 and in int8 (dynamically quantized linear layers),
// interleaved in the same process so that both see the same load; and how far apart their
// probabilities are.
const shapes = parseShapes(
  JSON.parse(readFileSync(new URL('../test/fixtures/full-dit1d-s/shapes.json', import.meta.url), 'utf8')),
);
const B = Number(process.env.TOKENSET_BENCH_INT8_BATCH ?? 1);
const REPEATS = 2;

const bench: Bench = async () => {
  const fp32 = await DiT1D.fromStateDict(formulaStateDict(shapes), {
    preset: 'DiT1D-S',
    consumeStateDict: true,
  });
  const int8 = await DiT1D.fromStateDict(formulaStateDict(shapes), {
    preset: 'DiT1D-S',
    dtype: 'int8',
    consumeStateDict: true,
  });
  const counts = new Int32Array(B * 4096);
  for (let b = 0; b < B; b++) for (let i = 0; i < 128; i++) counts[b * 4096 + ((i * 31 + b) % 4096)] += 1;
  const t = new Float32Array(B).fill(0.5);
  const labels = new Int32Array(B).fill(207);
  const seconds: Record<'fp32' | 'int8', number[]> = { fp32: [], int8: [] };
  let delta = 0;
  for (let r = 0; r <= REPEATS; r++) {
    const outputs: Float32Array[] = [];
    for (const [name, model] of [
      ['fp32', fp32],
      ['int8', int8],
    ] as const) {
      const start = performance.now();
      outputs.push(await model.probabilities(counts, t, labels));
      if (r > 0) seconds[name].push((performance.now() - start) / 1000); // run 0 warms up
    }
    for (let i = 0; i < outputs[0].length; i++)
      delta = Math.max(delta, Math.abs(outputs[0][i] - outputs[1][i]));
  }
  await fp32.release();
  await int8.release();
  const fp32s = median(seconds.fp32);
  const int8s = median(seconds.int8);
  return [
    {
      name: `dit1d: DiT1D-S forward B=${B}, int8 (dynamic quantization) vs fp32, same run`,
      figure: int8s,
      unit: 's/forward',
      ceiling: fp32s,
      ceilingName: 'fp32, same run',
      better: 'lower',
      goal: '>= 1.5x the fp32 speed',
      met: int8s * 1.5 <= fp32s,
    },
    {
      name: 'dit1d: DiT1D-S int8 vs fp32, max |Δ probability|',
      figure: delta,
      unit: '',
      better: 'lower',
    },
  ];
};
export default bench;

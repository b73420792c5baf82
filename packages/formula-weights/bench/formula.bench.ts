import { formulaTensor } from '@tokenset/formula-weights';
import { type Bench, medianMs } from '../../../scripts/bench-types.ts';

// Synthesising full-size weights is on the path of every full-size test and benchmark.
const bench: Bench = async () => {
  const numel = 4096 * 384 * 4;
  const ms = await medianMs(() => formulaTensor('blocks.0.mlp.fc1.weight', [4096 * 4, 384]), 5);
  const fill = await medianMs(() => new Float32Array(numel).fill(1.5), 5);
  return [
    {
      name: 'formula-weights: synthesise 6.3M floats',
      figure: numel / 1e6 / (ms / 1000),
      unit: 'M values/s',
      ceiling: numel / 1e6 / (fill / 1000),
      ceilingName: 'allocate+fill',
      better: 'higher',
    },
  ];
};
export default bench;

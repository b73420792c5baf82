import { readFileSync } from 'node:fs';
import { FeatureStatistics, frechetDistance } from '@tokenset/eval';
import { formulaTensor } from '@tokenset/formula-weights';
import type { Bench } from '../../../scripts/bench-types.ts';

// Fréchet distance of two 2048-d statistics (InceptionV3's size), and agreement with NumPy/SciPy
// on the same generated case: tools/eval/fid_2048_reference.py defines the features by formula and
// wrote fid2048-expected.json (torch-fidelity's eigvals formula and scipy sqrtm).
const D = 2048;

interface Expected {
  fid: number;
  fid_sqrtm: number;
  seconds_eigvals: number;
  seconds_sqrtm: number;
}

/** The generated features (see the Python tool): formula values mixed in float64. */
function features(
  name: string,
  rows: number,
  mix: (base: Float32Array, r: number, c: number) => number,
): Float64Array {
  const base = formulaTensor(name, [rows, D]);
  const out = new Float64Array(rows * D);
  for (let r = 0; r < rows; r++) for (let c = 0; c < D; c++) out[r * D + c] = mix(base, r, c);
  return out;
}

const bench: Bench = async () => {
  const expected = JSON.parse(
    readFileSync(new URL('./fid2048-expected.json', import.meta.url), 'utf8'),
  ) as Expected;
  const a = features(
    'fid2048.features_a',
    2500,
    (A, r, c) => A[r * D + c] * (1 + c / 1024) + 0.5 * A[r * D + ((7 * c + 1) % D)],
  );
  const b = features(
    'fid2048.features_b',
    2600,
    (B, r, c) => B[r * D + c] * (1.1 - c / 4096) + 0.3 * B[r * D + ((13 * c + 5) % D)] + 0.01,
  );
  let start = performance.now();
  const sa = new FeatureStatistics(D).add(a).statistics({ mu: 'float64' }); // float64 features, as in the tool
  const accumulate = (performance.now() - start) / 1000;
  const sb = new FeatureStatistics(D).add(b).statistics({ mu: 'float64' });
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let fid = 0;
  for (let i = 0; i < 3; i++) {
    const cpu = process.cpuUsage();
    start = performance.now();
    fid = frechetDistance(sa, sb);
    times.push((performance.now() - start) / 1000);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1e6);
  }
  cpuTimes.sort((x, y) => x - y);
  times.sort((x, y) => x - y);
  const seconds = times[1];
  const rel = Math.abs(fid / expected.fid - 1);
  const relSqrtm = Math.abs(fid / expected.fid_sqrtm - 1);
  return [
    {
      // On a shared machine the wall time includes waiting for a core; the CPU time does not.
      name: `frechetDistance: 2048-d (wall ${times.map((t) => t.toFixed(2)).join('/')} s; CPU ${cpuTimes[1].toFixed(2)} s)`,
      figure: seconds,
      unit: 's',
      ceiling: 3,
      ceilingName: 'target',
      better: 'lower',
      goal: '< 3 s',
      met: seconds < 3,
    },
    {
      name: `frechetDistance vs numpy eigvals (torch-fidelity formula): ours ${fid.toPrecision(12)}, ref ${expected.fid.toPrecision(12)}`,
      figure: rel,
      unit: 'relative error',
      ceiling: 1e-6,
      ceilingName: 'tolerance',
      better: 'lower',
      goal: '<= 1e-6',
      met: rel <= 1e-6,
    },
    {
      name: `frechetDistance vs scipy sqrtm (pytorch-fid / ADM formula): ref ${expected.fid_sqrtm.toPrecision(12)}`,
      figure: relSqrtm,
      unit: 'relative error',
      ceiling: 1e-6,
      ceilingName: 'tolerance',
      better: 'lower',
      goal: '<= 1e-6',
      met: relSqrtm <= 1e-6,
    },
    {
      name: 'FeatureStatistics.add: 2500 × 2048-d features (float64 Σx·xᵀ)',
      figure: (2500 * D * (D + 1)) / 2 / accumulate / 1e9,
      unit: 'G multiply-adds/s',
      better: 'higher',
    },
  ];
};
export default bench;

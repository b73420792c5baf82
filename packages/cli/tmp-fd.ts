import { FeatureStatistics, frechetDistanceParts } from '@tokenset/eval';

const d = 2048;
const mk = (seed: number, n: number) => {
  const f = new Float32Array(n * d);
  let x = seed;
  for (let i = 0; i < f.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    f[i] = x / 2 ** 32;
  }
  return new FeatureStatistics(d).add(f).statistics();
};
let t = performance.now();
const a = mk(1, 8),
  b = mk(2, 2300);
console.log('stats ready', ((performance.now() - t) / 1000).toFixed(1));
t = performance.now();
const r = frechetDistanceParts(a, b);
console.log(r.factored, r.distance, ((performance.now() - t) / 1000).toFixed(1));

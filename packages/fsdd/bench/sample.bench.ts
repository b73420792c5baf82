import { type Denoiser, type SampleOptions, sample } from '@tokenset/fsdd';
import { type Bench, medianMs } from '../../../scripts/bench-types.ts';

// The sampler's own cost at the real size (C=4096, M=128, B=8, reference defaults: 25 steps,
// top-p 0.8 for x0, multinomial for xt, sigmoid100_0.8, adjust from 0.65) with a stub denoiser
// that returns a fixed, peaked distribution (so the model costs nothing).
const C = 4096;
const M = 128;
const K = M + 1;
const B = 8;
const STEPS = 25;

/** Per entry: 0.9 on a mode (count 1 on M spread entries, else 0), 0.1 spread geometrically. */
function peakedProbs(batch: number): Float32Array {
  const probs = new Float32Array(batch * C * K);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < C; c++) {
      const o = (b * C + c) * K;
      const mode = (c * 7 + b) % (C / M) === 0 ? 1 : 0;
      let rest = 0;
      for (let k = 0; k < K; k++) {
        if (k === mode) continue;
        const v = 0.5 ** (Math.abs(k - mode) + 1);
        probs[o + k] = v;
        rest += v;
      }
      for (let k = 0; k < K; k++) probs[o + k] = k === mode ? 0.9 : (0.1 * probs[o + k]) / rest;
    }
  }
  return probs;
}

const fixed = new Map<number, Float32Array>([
  [B, peakedProbs(B)],
  [2 * B, peakedProbs(2 * B)],
]);

/** The stub: the same peaked distribution every call (built once, outside the timings). */
const stub: Denoiser = {
  codebookSize: C,
  setSize: M,
  numClasses: 1000,
  probabilities: async (_counts, t) => fixed.get(t.length)!,
};

const bench: Bench = async () => {
  const labels = Array.from({ length: B }, (_, b) => b);
  const run = (options: Partial<SampleOptions>) =>
    sample(stub, { labels, seed: 0, steps: STEPS, ...options });

  const plain = await medianMs(() => run({ guidance: 'none' }), 5, 2);
  const guided = await medianMs(() => run({}), 3, 1);

  // Allocation during the steps (not at start): heap and array-buffer growth between step 1 and the last step.
  const g = (globalThis as { gc?: () => void }).gc;
  let heap0 = 0;
  let buffers0 = 0;
  let heap1 = 0;
  let buffers1 = 0;
  g?.();
  await run({
    guidance: 'none',
    onStep: ({ step }) => {
      if (step === 1) {
        const m = process.memoryUsage();
        heap0 = m.heapUsed;
        buffers0 = m.arrayBuffers;
      } else if (step === STEPS - 1) {
        const m = process.memoryUsage();
        heap1 = m.heapUsed;
        buffers1 = m.arrayBuffers;
      }
    },
  });
  const heapPerStep = (heap1 - heap0) / (STEPS - 2);
  const buffersPerStep = (buffers1 - buffers0) / (STEPS - 2);

  // Floor: one read pass over the denoiser output (what any sampler must at least do per step).
  const probs = fixed.get(B)!;
  const read = await medianMs(
    () => {
      let s = 0;
      for (let r = 0; r < STEPS; r++) for (let i = 0; i < probs.length; i++) s += probs[i];
      return s;
    },
    3,
    1,
  );
  const perRowStep = (ms: number) => ms / (B * STEPS);
  return [
    {
      name: `fsdd sample: C=${C} M=${M} B=${B}, ${STEPS} steps, defaults, no guidance (stub denoiser)`,
      figure: perRowStep(plain),
      unit: 'ms/row-step',
      ceiling: perRowStep(read),
      ceilingName: 'one read pass over the probabilities',
      better: 'lower',
      goal: '<= 3 ms/row-step (reference: ~30)',
      met: perRowStep(plain) <= 3,
    },
    {
      name: `fsdd sample: same with guidance "4_50_55" (doubled stub batch + guide)`,
      figure: perRowStep(guided),
      unit: 'ms/row-step',
      ceiling: perRowStep(read),
      ceilingName: 'one read pass over the probabilities',
      better: 'lower',
    },
    {
      name: 'fsdd sample: JS heap growth per step (steps 2..25)',
      figure: heapPerStep,
      unit: 'bytes/step',
      better: 'lower',
      goal: `< 64 KiB: no work buffers per step (the Gaussian row buffer alone is ${C * M * 4} bytes)`,
      met: heapPerStep < 65_536,
    },
    {
      name: 'fsdd sample: ArrayBuffer growth per step (steps 2..25)',
      figure: buffersPerStep,
      unit: 'bytes/step',
      better: 'lower',
      goal: '0 (no typed arrays allocated per step)',
      met: buffersPerStep <= 0,
    },
  ];
};
export default bench;

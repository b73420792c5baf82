import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Denoiser, type SampleOptions, sample, seededUniform } from '@tokenset/fsdd';
import { type Bench, type BenchRow, collectGarbage, median, medianMs } from '../../../scripts/bench-types.ts';
import { oldSample } from './old-sampler.ts';
import { type ReferenceSampleOptions, referenceSample } from './reference-sampler.ts';
import {
  C,
  demoModelInputs,
  diffuseProbs,
  inputDenoiser,
  M,
  peakedProbs,
  REAL_SIZE,
  recordedInputs,
  type SamplerInput,
  stubDenoiser,
} from './sampler-inputs.ts';
import { THREAD_ROWS, type ThreadsTiming } from './threads-timing.ts';

// The sampler's own cost (25 steps; reference defaults: top-p 0.8 for x0, multinomial for xt,
// sigmoid100_0.8, adjust from 0.65) on stub denoisers that return fixed distributions (so the model
// costs nothing): at the real size (C=4096, M=128) peaked, diffuse, and the DiT1D-S formula-weights
// model's outputs at an early, a middle and a late step; at the trained demo model's size (C=512,
// M=32) its outputs at the same steps of a real run. Each figure sits beside the reference sampler's
// (its tensor program in JavaScript, reference-sampler.ts) measured in the same run on the same input.
const STEPS = 25;
/** Rows per run of the new sampler, and of the (slow) reference sampler, at the real size. */
const B = 8;
const B_REFERENCE = 2;

/**
 * Rows per run for an input: `base` at the real size, scaled by 4096/C below it, so that a run on
 * a small codebook does as much work as one at the real size and the timer's noise stays as small.
 */
export function rowsFor(input: SamplerInput, base: number): number {
  return base * Math.max(1, Math.round(C / input.codebookSize));
}

type Variant = {
  label: string;
  goal: number;
  options: Partial<SampleOptions>;
  reference: Partial<ReferenceSampleOptions>;
};

const VARIANTS: Variant[] = [
  {
    label: 'defaults, no guidance',
    goal: 10,
    options: { guidance: 'none' },
    reference: { guidance: 'none' },
  },
  { label: 'guidance "4_50_55"', goal: 5, options: {}, reference: {} },
  {
    label: "adjust 'exact'",
    goal: 5,
    options: { guidance: 'none', adjust: 'exact' },
    reference: { guidance: 'none', adjust: 'exact' },
  },
];

const labelsOf = (rows: number) => Int32Array.from({ length: rows }, (_, b) => b);

/** ms per row-step of the new sampler (median of runs). */
async function newSampler(
  model: Denoiser,
  options: Partial<SampleOptions>,
  rows = B,
  repeats = 3,
): Promise<number> {
  const ms = await medianMs(
    () => sample(model, { labels: labelsOf(rows), seed: 0, steps: STEPS, threads: 1, ...options }),
    repeats,
    1,
  );
  return ms / (rows * STEPS);
}

/** ms per row-step of the reference sampler (one run of `rows` rows; seconds long). */
async function referenceSampler(
  model: Denoiser,
  options: Partial<ReferenceSampleOptions>,
  rows: number,
): Promise<number> {
  const streams = Array.from({ length: rows }, (_, b) => seededUniform(`0:${b}`));
  collectGarbage();
  const start = performance.now();
  await referenceSample(model, { labels: labelsOf(rows), streams, steps: STEPS, ...options });
  return (performance.now() - start) / (rows * STEPS);
}

/** The three variants on one input, each beside the reference sampler in the same run. */
export async function compare(input: SamplerInput): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const b = rowsFor(input, B);
  const bReference = rowsFor(input, B_REFERENCE);
  const model = inputDenoiser(input, b);
  const referenceModel = inputDenoiser(input, bReference);
  for (const v of VARIANTS) {
    const figure = await newSampler(model, v.options, b);
    const reference = await referenceSampler(referenceModel, v.reference, bReference);
    rows.push({
      name: `fsdd sample: ${input.name}, ${v.label}`,
      figure,
      unit: 'ms/row-step',
      ceiling: reference,
      ceilingName: 'reference sampler, same run',
      better: 'lower',
      goal: `>= ${v.goal}x the reference's speed`,
      met: figure * v.goal <= reference,
    });
  }
  return rows;
}

const bench: Bench = async () => {
  const rows: BenchRow[] = [];
  const peaked: SamplerInput = {
    name: `peaked stub C=${C} M=${M}`,
    probs: peakedProbs(B),
    rows: B,
    ...REAL_SIZE,
  };
  const diffuse: SamplerInput = { name: 'diffuse stub', probs: diffuseProbs(B), rows: B, ...REAL_SIZE };

  // Old and new on the peaked stub, same run.
  const old = await oldSample();
  const peakedModel = stubDenoiser(peaked.probs, B, REAL_SIZE);
  if (old) {
    const oldMs =
      (await medianMs(
        () => old(peakedModel, { labels: labelsOf(B), seed: 0, steps: STEPS, guidance: 'none' }),
        3,
        1,
      )) /
      (B * STEPS);
    const newMs = await newSampler(peakedModel, { guidance: 'none' });
    rows.push({
      name: `fsdd sample: peaked stub, defaults, no guidance: new vs the sampler before this work`,
      figure: newMs,
      unit: 'ms/row-step',
      ceiling: oldMs,
      ceilingName: 'old sampler (git 2be8a81), same run',
      better: 'lower',
    });
  }

  const inputs = [peaked, diffuse, ...(await recordedInputs()), ...(await demoModelInputs())];
  for (const input of inputs) rows.push(...(await compare(input)));

  // Rows in parallel: two threads against one on the diffuse stub, byte-identical, timed in a
  // process of its own on the built package (threads-timing.ts; `pnpm build` first).
  const RT = THREAD_ROWS;
  const built = existsSync(new URL('../dist/row-worker.js', import.meta.url));
  const from = built ? 'built package' : 'not built: run pnpm build';
  const { oneMs, twoMs, identical } = built
    ? threadsTiming()
    : { oneMs: [Number.NaN], twoMs: [Number.NaN], identical: false };
  const rowsPerSecond = (ms: number) => (RT * 1000) / ms;
  rows.push({
    name: `fsdd sample: diffuse stub, ${RT} rows, threads: 2 vs 1 (${from}; results ${identical ? 'byte-identical' : 'DIFFER'})`,
    figure: rowsPerSecond(median(twoMs)),
    unit: 'rows/s',
    ceiling: rowsPerSecond(median(oneMs)),
    ceilingName: 'threads: 1, same run',
    better: 'higher',
    goal: '>= 1.7x one thread, identical',
    met: identical && median(oneMs) >= 1.7 * median(twoMs),
  });

  // Allocation during the steps (not at start): heap and array-buffer growth between step 1 and the last step.
  let heap0 = 0;
  let buffers0 = 0;
  let heap1 = 0;
  let buffers1 = 0;
  collectGarbage();
  await sample(stubDenoiser(diffuse.probs, B, REAL_SIZE), {
    labels: labelsOf(B),
    seed: 0,
    steps: STEPS,
    guidance: 'none',
    threads: 1,
    onStep: ({ step }) => {
      const m = process.memoryUsage();
      if (step === 1) {
        heap0 = m.heapUsed;
        buffers0 = m.arrayBuffers;
      } else if (step === STEPS - 1) {
        heap1 = m.heapUsed;
        buffers1 = m.arrayBuffers;
      }
    },
  });
  const heapPerStep = (heap1 - heap0) / (STEPS - 2);
  const buffersPerStep = (buffers1 - buffers0) / (STEPS - 2);
  rows.push(
    {
      name: 'fsdd sample: JS heap growth per step (steps 2..25, diffuse stub)',
      figure: heapPerStep,
      unit: 'bytes/step',
      better: 'lower',
      goal: '< 64 KiB: no work buffers per step',
      met: heapPerStep < 65_536,
    },
    {
      name: 'fsdd sample: ArrayBuffer growth per step (steps 2..25, diffuse stub)',
      figure: buffersPerStep,
      unit: 'bytes/step',
      better: 'lower',
      goal: '0 (no typed arrays allocated per step)',
      met: buffersPerStep <= 0,
    },
  );
  return rows;
};
export default bench;

/** Runs threads-timing.ts in a child process without the `source` condition (the built package). */
function threadsTiming(): ThreadsTiming {
  const script = fileURLToPath(new URL('./threads-timing.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`threads-timing.ts failed (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as ThreadsTiming;
}

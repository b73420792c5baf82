import { type SampleProfile, sample } from '@tokenset/fsdd';
import type { Bench, BenchRow } from '../../../scripts/bench-types.ts';

// A generation step end to end on the trained demo model (C=512, M=32, 10 digits): `sample` with
// the real DiT1D (fp32, and `dtype: 'int8'` in the same run), batch 16, reference defaults (guidance
// "4_50_55", so the model runs on the doubled batch of 32), 25 steps. Where the time goes comes from
// `sample`'s own `profile` (the figures `tokenset generate --profile` prints), summed over the runs.
const STEPS = 25;
const B = 16;
/** Timed runs per dtype (after one warm-up each), alternating so both see the same load. */
const REPEATS = 3;

/**
 * The sampler's share of a step: its time over the step's model + guidance + sampler time. The
 * tokenizer's decode is not part of `sample` (the CLI's `--profile` counts it in the step, so its
 * sampler share reads lower than this one).
 */
export function samplerShare(profile: SampleProfile): number {
  const step = profile.modelMs + profile.guidanceMs + profile.samplerMs;
  return step > 0 ? profile.samplerMs / step : 0;
}

/** The sum of two profiles (the threads of the second). */
export function addProfiles(a: SampleProfile, b: SampleProfile): SampleProfile {
  return {
    steps: a.steps + b.steps,
    modelMs: a.modelMs + b.modelMs,
    guidanceMs: a.guidanceMs + b.guidanceMs,
    samplerMs: a.samplerMs + b.samplerMs,
    threads: b.threads,
  };
}

const EMPTY: SampleProfile = { steps: 0, modelMs: 0, guidanceMs: 0, samplerMs: 0, threads: 1 };

const bench: Bench = async () => {
  // Imported here, so that the helpers above load without onnxruntime (the unit tests use them).
  const { DEMO_MODEL_PATHS } = await import('@tokenset/demo-models');
  const { DiT1D } = await import('@tokenset/dit1d');
  const models = {
    fp32: await DiT1D.load(DEMO_MODEL_PATHS.generator),
    int8: await DiT1D.load(DEMO_MODEL_PATHS.generator, { dtype: 'int8' }),
  };
  const labels = Int32Array.from({ length: B }, (_, b) => b % models.fp32.numClasses);
  const size = `C=${models.fp32.codebookSize} M=${models.fp32.setSize}`;
  const spent = { fp32: { wallMs: 0, profile: EMPTY }, int8: { wallMs: 0, profile: EMPTY } };
  const run = async (dtype: keyof typeof models) => {
    const start = performance.now();
    const { profile } = await sample(models[dtype], { labels, seed: 0, steps: STEPS, profile: true });
    return { wallMs: performance.now() - start, profile: profile! };
  };
  try {
    await run('fp32');
    await run('int8');
    for (let r = 0; r < REPEATS; r++) {
      for (const dtype of ['fp32', 'int8'] as const) {
        const { wallMs, profile } = await run(dtype);
        spent[dtype].wallMs += wallMs;
        spent[dtype].profile = addProfiles(spent[dtype].profile, profile);
      }
    }
  } finally {
    await models.fp32.release();
    await models.int8.release();
  }

  const rows: BenchRow[] = [];
  const perStep = (ms: number, p: SampleProfile) => ms / p.steps;
  for (const dtype of ['fp32', 'int8'] as const) {
    const { wallMs, profile: p } = spent[dtype];
    const label = `fsdd sample, trained demo model ${size}, DiT1D ${dtype}, batch ${B}, reference defaults, ${STEPS} steps`;
    const share = samplerShare(p);
    rows.push(
      {
        name: `${label}: time per step (model ${perStep(p.modelMs, p).toFixed(2)}, guidance ${perStep(p.guidanceMs, p).toFixed(2)}, sampler ${perStep(p.samplerMs, p).toFixed(2)} ms; ${p.threads} sampler thread${p.threads === 1 ? '' : 's'})`,
        figure: perStep(wallMs, p),
        unit: 'ms/step',
        better: 'lower',
      },
      {
        name: `${label}: the sampler's share of a step (profile; decode not included)`,
        figure: 100 * share,
        unit: '% of a step',
        better: 'lower',
        goal: '< 15%',
        met: share < 0.15,
      },
    );
  }
  rows.push({
    name: `DiT1D forward, trained demo model ${size}, doubled batch of ${2 * B} (guidance): int8 vs fp32`,
    figure: perStep(spent.int8.profile.modelMs, spent.int8.profile),
    unit: 'ms/step',
    ceiling: perStep(spent.fp32.profile.modelMs, spent.fp32.profile),
    ceilingName: 'fp32, same run',
    better: 'lower',
  });
  return rows;
};
export default bench;

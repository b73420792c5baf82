/**
 * The sampler's flags (`--steps`, `--guidance`, `--top-p`, `--preset` …) shared by `generate` and
 * `sample-fid`, parsed into one typed settings object.
 */

import { intFlag, numberFlag, stringFlag } from './args.js';
import type { OptionSpecs, OptionValues } from './command.js';
import { UsageError } from './errors.js';

/** Named sampler presets. */
export type SamplerPreset = 'reference' | 'high-quality';

/** Valid preset names, for messages. */
export const SAMPLER_PRESETS: readonly SamplerPreset[] = ['reference', 'high-quality'];

/** How one categorical draw of the sampler picks a count. */
export type DrawSetting =
  | { kind: 'top-p'; p: number }
  | { kind: 'top-k'; k: number }
  | { kind: 'multinomial' };

/** Everything that decides a sample besides its label and seed. */
export interface SamplerSettings {
  preset: SamplerPreset;
  steps: number;
  /** An interval schedule such as `"4_50_55"`, or one scale for every step. */
  guidance: string | number;
  /** The draw of the x0 prediction. */
  x0: DrawSetting;
  /** The draw of the next state. */
  xt: DrawSetting;
  /** From which t the x0 prediction is greedily adjusted to the fixed sum. */
  adjustFrom: number;
  /** Greedy adjustment: the reference's single pass, or `exact` (always reaches the sum). */
  adjust: 'reference' | 'exact';
  /** When a row's discretised Gaussian has no mass: round the whole `batch` (reference) or the `row`. */
  fallback: 'batch' | 'row';
}

/**
 * The presets. `reference`: the defaults of the reference `sample.py` (top-p 0.8 for x0, multinomial
 * for the next state, adjustment from t ≥ 0.65, guidance "4_50_55"). `high-quality`: the reference's
 * "high-quality visuals" setting: top-k 2 for both draws and adjustment step 1.0.
 */
export const PRESETS: Readonly<Record<SamplerPreset, Pick<SamplerSettings, 'x0' | 'xt' | 'adjustFrom'>>> = {
  reference: { x0: { kind: 'top-p', p: 0.8 }, xt: { kind: 'multinomial' }, adjustFrom: 0.65 },
  'high-quality': { x0: { kind: 'top-k', k: 2 }, xt: { kind: 'top-k', k: 2 }, adjustFrom: 1.0 },
};

/** The sampler flags, for a command's option table. */
export const SAMPLER_OPTIONS: OptionSpecs = {
  steps: { type: 'string', valueName: 'n', description: 'sampling steps (default 25)' },
  guidance: {
    type: 'string',
    valueName: 'schedule',
    description: 'guidance interval schedule over thirds of t (default "4_50_55")',
  },
  'guidance-scale': {
    type: 'string',
    valueName: 's',
    description: 'one guidance scale for every step instead',
  },
  preset: {
    type: 'string',
    valueName: 'name',
    description: 'sampler preset: reference (default) or high-quality (top-k 2, adjust step 1.0)',
  },
  'top-p': { type: 'string', valueName: 'p', description: 'top-p for the x0 draw (overrides the preset)' },
  'top-k': { type: 'string', valueName: 'k', description: 'top-k for the x0 draw (overrides the preset)' },
  adjust: {
    type: 'string',
    valueName: 'mode',
    description: 'greedy adjustment: reference (one pass, default) or exact (always reaches the fixed sum)',
  },
  fallback: {
    type: 'string',
    valueName: 'mode',
    description: 'no-mass fallback: batch (reference, default) or row (rows never affect each other)',
  },
};

/** Parses the sampler flags. */
export function samplerSettings(values: OptionValues): SamplerSettings {
  const presetName = stringFlag(values, 'preset') ?? 'reference';
  if (!SAMPLER_PRESETS.includes(presetName as SamplerPreset)) {
    throw new UsageError(
      `--preset: expected one of ${SAMPLER_PRESETS.join(', ')}, got ${JSON.stringify(presetName)}`,
    );
  }
  const preset = presetName as SamplerPreset;
  const steps = intFlag(values, 'steps', 25, 1, 10_000);
  const schedule = stringFlag(values, 'guidance');
  const scale = numberFlag(values, 'guidance-scale', 0, 1000);
  if (schedule !== undefined && scale !== undefined) {
    throw new UsageError('--guidance and --guidance-scale: expected one of them, got both');
  }
  if (schedule !== undefined && !/^\d+(\.\d+)?(_\d+(\.\d+)?)*$/.test(schedule)) {
    throw new UsageError(
      `--guidance: expected scales joined by "_" such as "4_50_55", got ${JSON.stringify(schedule)}`,
    );
  }
  const guidance = scale ?? schedule ?? '4_50_55';
  const topP = numberFlag(values, 'top-p', Number.MIN_VALUE, 1);
  const topKText = stringFlag(values, 'top-k');
  if (topP !== undefined && topKText !== undefined) {
    throw new UsageError('--top-p and --top-k: expected one of them, got both');
  }
  let x0 = PRESETS[preset].x0;
  if (topP !== undefined) x0 = { kind: 'top-p', p: topP };
  if (topKText !== undefined) x0 = { kind: 'top-k', k: intFlag(values, 'top-k', 1, 1, 1_000_000) };
  const adjust = stringFlag(values, 'adjust') ?? 'reference';
  if (adjust !== 'reference' && adjust !== 'exact') {
    throw new UsageError(`--adjust: expected reference or exact, got ${JSON.stringify(adjust)}`);
  }
  const fallback = stringFlag(values, 'fallback') ?? 'batch';
  if (fallback !== 'batch' && fallback !== 'row') {
    throw new UsageError(`--fallback: expected batch or row, got ${JSON.stringify(fallback)}`);
  }
  return {
    preset,
    steps,
    guidance,
    x0,
    xt: PRESETS[preset].xt,
    adjustFrom: PRESETS[preset].adjustFrom,
    adjust,
    fallback,
  };
}

/** A short description of the settings for logs and `run.json`. */
export function describeSampler(s: SamplerSettings): string {
  const draw = (d: DrawSetting) =>
    d.kind === 'top-p' ? `top-p ${d.p}` : d.kind === 'top-k' ? `top-k ${d.k}` : 'multinomial';
  const extras = `${s.adjust === 'exact' ? ', exact adjustment' : ''}${s.fallback === 'row' ? ', per-row fallback' : ''}`;
  return `${s.steps} steps, guidance ${s.guidance}, x0 ${draw(s.x0)}, xt ${draw(s.xt)}, adjust from t >= ${s.adjustFrom}${extras}`;
}

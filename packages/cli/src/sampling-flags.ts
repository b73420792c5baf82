/**
 * The sampler's flags (`--steps`, `--guidance`, `--top-p`, `--preset` …) shared by `generate` and
 * `sample-fid`: text → typed values → @tokenset/fsdd's `samplerSettings`, the one validator, so a bad
 * setting fails while flags are parsed (before any model loads) with the library's rule, under the
 * flag's name. Defaults are not written here: they are fsdd's presets.
 */

import {
  type DrawStrategy,
  type Guidance,
  REFERENCE_SAMPLER,
  SAMPLER_PRESET_NAMES,
  type SamplerLimits,
  type SamplerPresetName,
  type SamplerSettings,
  SamplerSettingsError,
  type SamplerSettingsInput,
  samplerSettings,
} from '@tokenset/fsdd';
import { parseInteger, parseNumber, stringFlag } from './args.js';
import type { OptionSpecs, OptionValues } from './command.js';
import { UsageError } from './errors.js';

/** The sampler flags, for a command's option table. */
export const SAMPLER_OPTIONS: OptionSpecs = {
  preset: {
    type: 'string',
    valueName: 'name',
    description: `sampler preset: ${SAMPLER_PRESET_NAMES.join(' (default), ')} (top-k 2, adjust step 1.0)`,
  },
  steps: {
    type: 'string',
    valueName: 'n',
    description: `sampling steps (default ${REFERENCE_SAMPLER.steps})`,
  },
  guidance: {
    type: 'string',
    valueName: 'schedule',
    description: `guidance interval scales over equal parts of t, or none (default "${REFERENCE_SAMPLER.guidance}")`,
  },
  'guidance-scale': {
    type: 'string',
    valueName: 's',
    description: 'one guidance scale >= 1 for every step instead (1 = no guidance)',
  },
  'top-p': {
    type: 'string',
    valueName: 'p',
    description: 'top-p in (0, 1] for the x0 draw (overrides the preset)',
  },
  'top-k': {
    type: 'string',
    valueName: 'k',
    description: 'top-k in [1, M+1] for the x0 draw (overrides the preset)',
  },
  'xt-top-k': {
    type: 'string',
    valueName: 'k',
    description:
      'top-k in [1, M] for the next-state draw instead of the multinomial draw (overrides the preset)',
  },
  'adjust-from': {
    type: 'string',
    valueName: 't',
    description:
      "adjust top-p/top-k draws to the fixed sum from this t on (default 0.65; 0 = every step; the high-quality preset's 1.0 never does)",
  },
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

/** The sampler flags but `--steps`, for a command that has its own (`tokenset demo`). */
export const SAMPLER_OPTIONS_BUT_STEPS: OptionSpecs = Object.fromEntries(
  Object.entries(SAMPLER_OPTIONS).filter(([name]) => name !== 'steps'),
);

/** The flag that sets each of fsdd's settings, for messages. */
function flagOf(setting: string, values: OptionValues): string {
  if (setting === 'guidance')
    return stringFlag(values, 'guidance-scale') !== undefined ? '--guidance-scale' : '--guidance';
  if (setting === 'x0.p') return '--top-p';
  if (setting === 'x0.k') return stringFlag(values, 'top-k') !== undefined ? '--top-k' : '--preset';
  if (setting === 'xt.k') return stringFlag(values, 'xt-top-k') !== undefined ? '--xt-top-k' : '--preset';
  if (setting === 'adjustFrom')
    return stringFlag(values, 'adjust-from') !== undefined ? '--adjust-from' : '--preset';
  if (setting.startsWith('xt.')) return '--preset';
  return `--${setting}`;
}

/**
 * Parses the sampler flags and validates them with fsdd's `samplerSettings`.
 *
 * @param values - the parsed flags.
 * @param limits - the model's set size when already known (top-k ≤ M+1).
 * @param defaults - the settings the flags change (default: the `reference` preset); `--preset`
 *   replaces them with that preset.
 * @throws UsageError naming the flag.
 */
export function samplerFlags(
  values: OptionValues,
  limits: SamplerLimits = {},
  defaults: Readonly<SamplerSettingsInput> = {},
): SamplerSettings {
  const preset = stringFlag(values, 'preset');
  const input: SamplerSettingsInput =
    preset === undefined ? { ...defaults } : { preset: preset as SamplerPresetName };
  const steps = stringFlag(values, 'steps');
  if (steps !== undefined) input.steps = parseInteger(steps, '--steps');
  const schedule = stringFlag(values, 'guidance');
  const scale = stringFlag(values, 'guidance-scale');
  if (schedule !== undefined && scale !== undefined) {
    throw new UsageError('--guidance and --guidance-scale: expected one of them, got both');
  }
  let guidance: Guidance | undefined = schedule;
  if (scale !== undefined)
    guidance = scale.trim() === 'none' ? 'none' : parseNumber(scale, '--guidance-scale');
  if (guidance !== undefined) input.guidance = guidance;
  const topP = stringFlag(values, 'top-p');
  const topK = stringFlag(values, 'top-k');
  if (topP !== undefined && topK !== undefined)
    throw new UsageError('--top-p and --top-k: expected one of them, got both');
  let x0: DrawStrategy | undefined;
  if (topP !== undefined) x0 = { kind: 'topP', p: parseNumber(topP, '--top-p') };
  if (topK !== undefined) x0 = { kind: 'topK', k: parseInteger(topK, '--top-k') };
  if (x0) input.x0 = x0;
  const xtTopK = stringFlag(values, 'xt-top-k');
  if (xtTopK !== undefined) input.xt = { kind: 'topK', k: parseInteger(xtTopK, '--xt-top-k') };
  const adjustFrom = stringFlag(values, 'adjust-from');
  if (adjustFrom !== undefined) input.adjustFrom = parseNumber(adjustFrom, '--adjust-from');
  const adjust = stringFlag(values, 'adjust');
  if (adjust !== undefined) input.adjust = adjust as SamplerSettings['adjust'];
  const fallback = stringFlag(values, 'fallback');
  if (fallback !== undefined) input.fallback = fallback as SamplerSettings['fallback'];
  try {
    return samplerSettings(input, limits);
  } catch (error) {
    if (error instanceof SamplerSettingsError)
      throw new UsageError(`${flagOf(error.setting, values)}: ${error.detail}`);
    throw error;
  }
}

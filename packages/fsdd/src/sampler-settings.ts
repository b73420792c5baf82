import { checkStrategy } from './draw-strategy.js';
import { ADJUST_MODES } from './greedy-adjust.js';
import { parseGuidance } from './guidance.js';
import {
  FALLBACKS,
  SAMPLER_PRESET_NAMES,
  SAMPLER_PRESETS,
  type SamplerPresetName,
  type SamplerSettings,
} from './sampler-presets.js';
import { parseSigmaSchedule } from './sigma-schedule.js';

/** Settings to check: a preset (default `'reference'`) and any fields that override it. */
export interface SamplerSettingsInput extends Partial<SamplerSettings> {
  /** The preset the other fields override (default `'reference'`). */
  preset?: SamplerPresetName;
}

/** What the model adds to the rules (known before or after loading it). */
export interface SamplerLimits {
  /** M, the set size: top-k of x0 must be ≤ M+1 (counts 0..M), of the next state ≤ M. */
  setSize?: number;
}

/** The most steps a sampler run may take. */
export const MAX_STEPS = 1_000_000;

/**
 * A sampler setting that breaks a rule. `setting` is the option's path (`steps`, `guidance`,
 * `x0.k`, …) so that a command line can name its own flag; `detail` is the message without it.
 */
export class SamplerSettingsError extends RangeError {
  override name = 'SamplerSettingsError';
  /** The setting, e.g. `x0.k`. */
  readonly setting: string;
  /** What was expected and what was found, e.g. `expected an integer in [1, 129], got 99999`. */
  readonly detail: string;
  constructor(setting: string, detail: string, options?: ErrorOptions) {
    super(`${setting}: ${detail}`, options);
    this.setting = setting;
    this.detail = detail;
  }
}

/** Runs `check`; a RangeError `"<setting>: <detail>"` it throws becomes a {@link SamplerSettingsError}. */
function rule<T>(fallbackSetting: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof RangeError) || error instanceof SamplerSettingsError) throw error;
    const match = /^([\w.]+): (.*)$/s.exec(error.message);
    throw match
      ? new SamplerSettingsError(match[1], match[2], { cause: error })
      : new SamplerSettingsError(fallbackSetting, error.message, { cause: error });
  }
}

/**
 * The one validator of sampler settings, used by `sample` and by the command line while it parses
 * flags (so a bad setting fails before any model loads, with the same rule and message): fills the
 * missing fields from the preset, then checks every field.
 *
 * Rules: `steps` an integer in [1, 10⁶]; `guidance` a scale ≥ 1, `'none'` or interval scales (see
 * `parseGuidance`); `sigmaSchedule` as `parseSigmaSchedule`; draws as `DrawStrategy` with top-p in
 * (0, 1] and top-k in [1, M+1] for x0 and [1, M] for the next state (when `limits.setSize` is known);
 * `adjustFrom` a number; `adjust` and `fallback` one of their names.
 *
 * @param input - a preset name and overrides (all optional).
 * @param limits - the model's set size, when known.
 * @returns complete settings (a new object; the preset is not modified).
 * @throws {@link SamplerSettingsError} (a RangeError) naming the setting; TypeError for a value of the wrong kind.
 *
 * @example
 * ```ts
 * samplerSettings({ preset: 'high-quality', steps: 50 });
 * samplerSettings({ x0: { kind: 'topK', k: 999 } }, { setSize: 128 }); // throws "x0.k: expected an integer in [1, 129], got 999"
 * ```
 */
export function samplerSettings(
  input: SamplerSettingsInput = {},
  limits: SamplerLimits = {},
): SamplerSettings {
  if (input === null || typeof input !== 'object') {
    throw new TypeError(
      `settings: expected an object of sampler settings, got ${input === null ? 'null' : typeof input}`,
    );
  }
  const presetName = input.preset ?? 'reference';
  if (!SAMPLER_PRESET_NAMES.includes(presetName)) {
    throw new SamplerSettingsError(
      'preset',
      `expected one of ${SAMPLER_PRESET_NAMES.join(', ')}, got ${JSON.stringify(presetName)}`,
    );
  }
  const preset = SAMPLER_PRESETS[presetName];
  const pick = <K extends keyof SamplerSettings>(key: K): SamplerSettings[K] =>
    (input[key] ?? preset[key]) as SamplerSettings[K];
  const setSize = limits.setSize;
  if (setSize !== undefined && (!Number.isInteger(setSize) || setSize < 1)) {
    throw new RangeError(`limits.setSize: expected a positive integer, got ${setSize}`);
  }
  const steps = pick('steps');
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) {
    throw new SamplerSettingsError('steps', `expected an integer in [1, ${MAX_STEPS}], got ${steps}`);
  }
  const guidance = pick('guidance');
  rule('guidance', () => parseGuidance(guidance));
  const sigmaSchedule = pick('sigmaSchedule');
  rule('sigmaSchedule', () => parseSigmaSchedule(sigmaSchedule));
  const unbounded = Number.MAX_SAFE_INTEGER;
  const x0 = rule('x0', () =>
    checkStrategy('x0', pick('x0'), setSize === undefined ? unbounded : setSize + 1),
  );
  const xt = rule('xt', () => checkStrategy('xt', pick('xt'), setSize ?? unbounded));
  const adjustFrom = pick('adjustFrom');
  if (typeof adjustFrom !== 'number' || !Number.isFinite(adjustFrom)) {
    throw new SamplerSettingsError(
      'adjustFrom',
      `expected a finite number (a time t in [0, 1]), got ${adjustFrom}`,
    );
  }
  const adjust = pick('adjust');
  if (!ADJUST_MODES.includes(adjust)) {
    throw new SamplerSettingsError(
      'adjust',
      `expected one of ${ADJUST_MODES.join(', ')}, got ${String(adjust)}`,
    );
  }
  const fallback = pick('fallback');
  if (!FALLBACKS.includes(fallback)) {
    throw new SamplerSettingsError(
      'fallback',
      `expected one of ${FALLBACKS.join(', ')}, got ${String(fallback)}`,
    );
  }
  return { steps, guidance, sigmaSchedule, x0: { ...x0 }, xt: { ...xt }, adjustFrom, adjust, fallback };
}

/** The largest seed the command line and the FID protocol use (seeds are unsigned 32-bit integers). */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * Checks a numeric seed: an integer in [0, 2³² − 1].
 *
 * @param name - the setting's name for the message (`seed`, `seeds[3]`).
 * @param seed - the value.
 * @returns the seed.
 * @throws {@link SamplerSettingsError} otherwise.
 */
export function checkSeed(name: string, seed: number): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new SamplerSettingsError(name, `expected an integer in [0, ${MAX_SEED}], got ${seed}`);
  }
  return seed;
}

/** A one-line description of settings for logs and run files. */
export function describeSamplerSettings(s: SamplerSettings): string {
  const draw = (d: SamplerSettings['x0']) =>
    d.kind === 'topP' ? `top-p ${d.p}` : d.kind === 'topK' ? `top-k ${d.k}` : 'multinomial';
  const extras = `${s.adjust === 'exact' ? ', exact adjustment' : ''}${s.fallback === 'row' ? ', per-row fallback' : ''}`;
  return `${s.steps} steps, guidance ${Array.isArray(s.guidance) ? s.guidance.join('_') : s.guidance}, x0 ${draw(s.x0)}, xt ${draw(s.xt)}, adjust from t >= ${s.adjustFrom}${extras}`;
}

import type { DrawStrategy } from './draw-strategy.js';
import type { AdjustMode } from './greedy-adjust.js';
import type { Guidance } from './guidance.js';
import type { SigmaSchedule } from './sigma-schedule.js';

/** What to do when some row's discretised Gaussian has no mass (flows.py's `except` path). */
export type Fallback = 'batch' | 'row';

/** Valid {@link Fallback}s. */
export const FALLBACKS: readonly Fallback[] = ['batch', 'row'];

/** Everything that decides a sample besides its label and seed (the options of `sample` minus the batch). */
export interface SamplerSettings {
  /** Number of steps N on the uniform time grid. */
  steps: number;
  /** Classifier-free guidance: a scale ≥ 1, `'none'`, or interval scales such as `"4_50_55"`. */
  guidance: Guidance;
  /** How σ shrinks over the steps. */
  sigmaSchedule: SigmaSchedule;
  /** How x0 is drawn from the model's prediction. */
  x0: DrawStrategy;
  /** How the next state is drawn from the discretised Gaussian. */
  xt: DrawStrategy;
  /** Top-p/top-k draws are adjusted to the fixed sum from this t on. */
  adjustFrom: number;
  /** `'reference'`: one-pass greedy adjustment; `'exact'`: always reaches M. */
  adjust: AdjustMode;
  /** When a row's discretised Gaussian has no mass: round the whole `'batch'` (reference) or the `'row'`. */
  fallback: Fallback;
}

/** Names of the sampler presets. */
export type SamplerPresetName = 'reference' | 'high-quality';

/** The reference `sample.py`'s defaults (see {@link SAMPLER_PRESETS}). */
const reference: Readonly<SamplerSettings> = Object.freeze({
  steps: 25,
  guidance: '4_50_55',
  sigmaSchedule: 'sigmoid100_0.8',
  x0: Object.freeze({ kind: 'topP', p: 0.8 }),
  xt: Object.freeze({ kind: 'multinomial' }),
  adjustFrom: 0.65,
  adjust: 'reference',
  fallback: 'batch',
} as const);

/**
 * The sampler presets, like DiT's model registry: named, complete settings.
 *
 * - `reference`: the defaults of the reference `sample.py` (25 steps, guidance `"4_50_55"`,
 *   σ schedule `"sigmoid100_0.8"`, top-p 0.8 for x0, multinomial for the next state, adjustment
 *   from t ≥ 0.65, the one-pass greedy adjustment and the whole-batch fallback). Every default of
 *   `sample` is this preset's value.
 * - `high-quality`: the reference README's "high-quality visuals" setting: top-k 2 for both draws
 *   and adjustment step 1.0, the rest as `reference`. Every model call's t is below 1, so its top-k
 *   draws are never adjusted: the counts need not sum to M (the reference's, too), and the final
 *   tokens are `tokensFromCounts`'s fill or truncation (`counts_to_x2_with_fill`: a row holding
 *   more than M tokens keeps its M smallest ids). Add `adjustFrom: 0` to keep the fixed sum.
 */
export const SAMPLER_PRESETS: Readonly<Record<SamplerPresetName, Readonly<SamplerSettings>>> = Object.freeze({
  reference,
  'high-quality': Object.freeze({
    ...reference,
    x0: Object.freeze({ kind: 'topK', k: 2 } as const),
    xt: Object.freeze({ kind: 'topK', k: 2 } as const),
    adjustFrom: 1.0,
  }),
});

/** Valid preset names, in the order help texts list them. */
export const SAMPLER_PRESET_NAMES: readonly SamplerPresetName[] = Object.keys(
  SAMPLER_PRESETS,
) as SamplerPresetName[];

/** The reference's settings: the defaults of `sample` (one place: {@link SAMPLER_PRESETS}). */
export const REFERENCE_SAMPLER: Readonly<SamplerSettings> = SAMPLER_PRESETS.reference;

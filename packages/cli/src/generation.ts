/**
 * Class-conditional generation: the FSDD sampler on a DiT1D, then the tokenizer's decoder.
 * The glue between @tokenset/fsdd, @tokenset/set-codec and the two models.
 */

import {
  adjustsAt,
  type Denoiser,
  type SampleOptions,
  type SampleProfile,
  type SamplerSettings,
  sample,
  timeGrid,
} from '@tokenset/fsdd';
import { tokensFromCounts } from '@tokenset/set-codec';

/** What generation needs of the tokenizer. */
export interface ImageDecoder {
  readonly imageSize: number;
  decode(tokens: Int32Array): Promise<Uint8Array>;
}

/** The fsdd options for the settings, labels and per-image seeds. */
export function sampleOptions(
  settings: SamplerSettings,
  labels: readonly number[],
  seeds: readonly number[],
): SampleOptions {
  return { ...settings, labels: Int32Array.from(labels), seeds: Array.from(seeds) };
}

/** Images generated for a batch of labels. */
export interface Generated {
  /** Final token sets `[B, M]`. */
  tokens: Int32Array;
  /** Each row's sum of final counts `[B]` (M unless the draws were left unadjusted; see fsdd's `rowSums`). */
  rowSums: Int32Array;
  /** Decoded images `[B, S, S, 3]` uint8. */
  images: Uint8Array;
  /** The x0 predictions of every step as token sets `[steps][B·M]`, when asked for. */
  trajectory?: Int32Array[];
  /** Where the time went (the sampler's profile and the decode), when asked for. */
  profile?: SampleProfile & { decodeMs: number };
}

/**
 * Samples token sets for `labels` (image `i` from seed `seeds[i]`) and decodes them.
 * With `keepTrajectory`, the x0 prediction of each step is kept (as sorted tokens) for an animation.
 */
export async function generate(
  denoiser: Denoiser,
  decoder: ImageDecoder,
  settings: SamplerSettings,
  labels: readonly number[],
  seeds: readonly number[],
  keepTrajectory = false,
  onStep?: (step: number, steps: number) => void,
  profile = false,
): Promise<Generated> {
  const trajectory: Int32Array[] = [];
  const options = sampleOptions(settings, labels, seeds);
  const B = labels.length;
  options.onStep = (event) => {
    // x0 predictions before the adjustment step may miss the fixed sum: tokensFromCounts fills or
    // truncates them as the reference's counts_to_x2_with_fill does.
    if (keepTrajectory) trajectory.push(tokensFromCounts(event.x0, denoiser.setSize, B));
    onStep?.(event.step + 1, event.steps);
  };
  options.profile = profile;
  const result = await sample(denoiser, options);
  const decodeStart = performance.now();
  const images = await decoder.decode(result.tokens);
  const decodeMs = performance.now() - decodeStart;
  return {
    tokens: result.tokens,
    rowSums: result.rowSums,
    images,
    trajectory: keepTrajectory ? trajectory : undefined,
    profile: result.profile && { ...result.profile, decodeMs },
  };
}

/**
 * Counts the token sets whose final counts missed the fixed sum M: the decoder then sees the M
 * smallest ids of a longer set (or a filled shorter one), which users should be told.
 */
export class OffSumRows {
  private rows = 0;
  private total = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  constructor(readonly setSize: number) {}

  add(rowSums: Int32Array): void {
    this.total += rowSums.length;
    for (const sum of rowSums) {
      if (sum === this.setSize) continue;
      this.rows++;
      this.min = Math.min(this.min, sum);
      this.max = Math.max(this.max, sum);
    }
  }

  /** One line for the user, or undefined when every set has M tokens. */
  note(settings: SamplerSettings): string | undefined {
    if (this.rows === 0) return undefined;
    const M = this.setSize;
    const range = this.min === this.max ? `${this.min}` : `${this.min} to ${this.max}`;
    // The final state is the last step's next-state draw: fsdd's own rule says whether it was adjusted.
    const { steps, xt, adjustFrom } = settings;
    const lastAdjusted = adjustsAt(xt, timeGrid(steps)[steps - 1], adjustFrom);
    const [cause, remedy] = lastAdjusted
      ? ['the one-pass greedy adjustment fell short', `--adjust exact always reaches ${M}`]
      : [
          `adjustment from t >= ${adjustFrom}, which no step reaches`,
          '--adjust-from 0 keeps the fixed sum at every step',
        ];
    return `note: ${this.rows} of ${this.total} token sets ended with ${range} tokens, not ${M} (${cause}); each was decoded from its ${M} smallest ids (a shorter one filled), as the reference does. ${remedy}.`;
  }
}

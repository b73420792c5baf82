import { DiT1DError } from './errors.js';

/** The released model sizes (reference `models.py`, `DiT_models`). */
export type DiT1DPreset = 'DiT1D-S' | 'DiT1D-B';

/** What each preset fixes: the weights tell width and depth, only the number of heads is not in them. */
export const DIT1D_PRESETS: Readonly<
  Record<DiT1DPreset, { hiddenSize: number; depth: number; numHeads: number }>
> = {
  'DiT1D-S': { hiddenSize: 384, depth: 12, numHeads: 6 },
  'DiT1D-B': { hiddenSize: 768, depth: 12, numHeads: 12 },
};

/** Checks a preset name; an unknown one is a RangeError listing the valid ones. */
export function parsePreset(value: string): DiT1DPreset {
  if (Object.hasOwn(DIT1D_PRESETS, value)) return value as DiT1DPreset;
  throw new RangeError(
    `preset: expected one of ${Object.keys(DIT1D_PRESETS)
      .map((p) => `'${p}'`)
      .join(', ')}, got '${value}'`,
  );
}

/**
 * The number of attention heads: `numHeads` when given, else the preset's (whose width and depth
 * must match the weights), else `hiddenSize / 64` (the head size of both released models).
 */
export function resolveNumHeads(
  hiddenSize: number,
  depth: number,
  options: { preset?: DiT1DPreset; numHeads?: number },
): number {
  let heads: number;
  if (options.numHeads !== undefined) {
    heads = options.numHeads;
  } else if (options.preset !== undefined) {
    const p = DIT1D_PRESETS[parsePreset(options.preset)];
    if (p.hiddenSize !== hiddenSize || p.depth !== depth) {
      throw new DiT1DError(
        `preset ${options.preset}: expected weights of hidden size ${p.hiddenSize} and depth ${p.depth}, got ${hiddenSize} and ${depth}`,
      );
    }
    heads = p.numHeads;
  } else {
    heads = hiddenSize / 64;
    if (!Number.isInteger(heads) || heads < 1) {
      throw new DiT1DError(
        `numHeads: expected an option (hidden size ${hiddenSize} is not a multiple of the default head size 64), got none`,
      );
    }
  }
  if (!Number.isInteger(heads) || heads < 1 || hiddenSize % heads !== 0) {
    throw new RangeError(
      `numHeads: expected a positive divisor of the hidden size ${hiddenSize}, got ${heads}`,
    );
  }
  return heads;
}

/**
 * Small models built on the fly from formula weights (@tokenset/formula-weights): the real
 * architectures at toy sizes, for the demo, the examples and the tests. Their weights are NOT
 * trained: they exercise every stage of the pipeline, but draw noise, not pictures.
 */

import type { DiT1DSizes } from '@tokenset/dit1d';

/** Sizes of the demo tokenizer: the reference architecture at toy width (64×64 images, 8 tokens). */
export const DEMO_TOKENIZER = {
  imageSize: 64,
  patchSize: 16,
  width: 64,
  layers: 2,
  numLatentTokens: 8,
  codebookSize: 64,
  tokenSize: 12,
  pixelDecoder: {
    zChannels: 64,
    hiddenChannels: 32,
    channelMult: [1, 1, 2, 2, 2],
    numResBlocks: 2,
    outChannels: 3,
  },
} as const;

/** Heads of the demo tokenizer's ViTs. */
export const DEMO_TOKENIZER_HEADS = 4;

/** Sizes of the demo generator: C and M match the demo tokenizer. */
export const DEMO_DIT1D: DiT1DSizes & { numHeads: number } = {
  codebookSize: DEMO_TOKENIZER.codebookSize,
  setSize: DEMO_TOKENIZER.numLatentTokens,
  hiddenSize: 64,
  depth: 2,
  numHeads: 4,
  numClasses: 10,
};

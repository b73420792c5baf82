/**
 * Small models built on the fly from formula weights (@tokenset/formula-weights): the real
 * architectures at toy sizes, for the demo, the examples and the tests. Their weights are NOT
 * trained: they exercise every stage of the pipeline, but draw noise, not pictures.
 */

import type { ParameterShape } from '@tokenset/formula-weights';

/** Sizes of a DiT1D (the reference `DiT` of `models.py` over a sequence of C codebook entries). */
export interface DiT1DSizes {
  /** Codebook size C: sequence length, and rows of the count embedding minus one. */
  codebookSize: number;
  /** Set size M: the output has M+1 channels. */
  setSize: number;
  hidden: number;
  depth: number;
  numClasses: number;
  /** MLP ratio (4 in the reference). */
  mlpRatio?: number;
  /** Frequencies of the timestep embedding (256 in the reference). */
  frequencies?: number;
}

/** Parameter names and shapes of a DiT1D, in the reference's `state_dict()` order. */
export function dit1dShapes(s: DiT1DSizes): ParameterShape[] {
  const h = s.hidden;
  const mlp = h * (s.mlpRatio ?? 4);
  const shapes: ParameterShape[] = [
    { name: 'pos_embed', shape: [1, s.codebookSize, h] },
    { name: 'x_embedder.embedding_table.weight', shape: [s.codebookSize + 1, h] },
    { name: 't_embedder.mlp.0.weight', shape: [h, s.frequencies ?? 256] },
    { name: 't_embedder.mlp.0.bias', shape: [h] },
    { name: 't_embedder.mlp.2.weight', shape: [h, h] },
    { name: 't_embedder.mlp.2.bias', shape: [h] },
    { name: 'y_embedder.embedding_table.weight', shape: [s.numClasses + 1, h] },
  ];
  for (let b = 0; b < s.depth; b++) {
    const p = `blocks.${b}.`;
    shapes.push(
      { name: `${p}attn.qkv.weight`, shape: [3 * h, h] },
      { name: `${p}attn.qkv.bias`, shape: [3 * h] },
      { name: `${p}attn.proj.weight`, shape: [h, h] },
      { name: `${p}attn.proj.bias`, shape: [h] },
      { name: `${p}mlp.fc1.weight`, shape: [mlp, h] },
      { name: `${p}mlp.fc1.bias`, shape: [mlp] },
      { name: `${p}mlp.fc2.weight`, shape: [h, mlp] },
      { name: `${p}mlp.fc2.bias`, shape: [h] },
      { name: `${p}adaLN_modulation.1.weight`, shape: [6 * h, h] },
      { name: `${p}adaLN_modulation.1.bias`, shape: [6 * h] },
    );
  }
  shapes.push(
    { name: 'final_layer.linear.weight', shape: [s.setSize + 1, h] },
    { name: 'final_layer.linear.bias', shape: [s.setSize + 1] },
    { name: 'final_layer.adaLN_modulation.1.weight', shape: [2 * h, h] },
    { name: 'final_layer.adaLN_modulation.1.bias', shape: [2 * h] },
  );
  return shapes;
}

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
  hidden: 64,
  depth: 2,
  numHeads: 4,
  numClasses: 10,
};

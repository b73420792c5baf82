import { type Float32StateDict, stateDictTensor } from '@tokenset/tensor-io';
import { DiT1DError } from './errors.js';
import { type DiT1DPreset, resolveNumHeads } from './presets.js';

/** Everything that defines a DiT1D network; all but `numHeads` come from the weights' shapes. */
export interface DiT1DConfig {
  /** C: codebook entries = sequence length (`pos_embed` rows). */
  codebookSize: number;
  /** M: tokens per set; the output has M+1 channels (counts 0..M). */
  setSize: number;
  /** Model width D. */
  hiddenSize: number;
  /** Number of DiT blocks. */
  depth: number;
  /** Attention heads. */
  numHeads: number;
  /** Number of classes; label `numClasses` is the null label. */
  numClasses: number;
  /** Rows of the count embedding table (the reference makes it C+1: counts 0..C can be embedded). */
  countEmbeddings: number;
  /** Width of the sinusoidal timestep embedding (256 in the reference). */
  frequencySize: number;
  /** Hidden width of the MLPs (4·D in the reference). */
  mlpHiddenSize: number;
}

function need(stateDict: Float32StateDict, name: string, rank: number): number[] {
  return stateDictTensor(stateDict, name, Array<undefined>(rank).fill(undefined), { error: DiT1DError })
    .shape;
}

function expectShape(stateDict: Float32StateDict, name: string, shape: number[]): void {
  stateDictTensor(stateDict, name, shape, { error: DiT1DError });
}

/**
 * Reads every size from the weights' shapes and checks that all tensors of the reference
 * `DiT1D` are present with consistent shapes.
 */
export function configFromStateDict(
  stateDict: Float32StateDict,
  options: { preset?: DiT1DPreset; numHeads?: number } = {},
): DiT1DConfig {
  if (!(stateDict instanceof Map)) {
    throw new TypeError(
      `stateDict: expected a Map of { shape, data } (a Float32StateDict), got ${typeof stateDict}`,
    );
  }
  const [, codebookSize, hiddenSize] = need(stateDict, 'pos_embed', 3);
  const D = hiddenSize;
  const [countEmbeddings] = need(stateDict, 'x_embedder.embedding_table.weight', 2);
  expectShape(stateDict, 'x_embedder.embedding_table.weight', [countEmbeddings, D]);
  expectShape(stateDict, 'pos_embed', [1, codebookSize, D]);
  const [, frequencySize] = need(stateDict, 't_embedder.mlp.0.weight', 2);
  expectShape(stateDict, 't_embedder.mlp.0.weight', [D, frequencySize]);
  expectShape(stateDict, 't_embedder.mlp.0.bias', [D]);
  expectShape(stateDict, 't_embedder.mlp.2.weight', [D, D]);
  expectShape(stateDict, 't_embedder.mlp.2.bias', [D]);
  const [labelRows] = need(stateDict, 'y_embedder.embedding_table.weight', 2);
  expectShape(stateDict, 'y_embedder.embedding_table.weight', [labelRows, D]);
  if (labelRows < 2) {
    throw new DiT1DError(
      `state dict 'y_embedder.embedding_table.weight': expected classes + 1 null label rows, got ${labelRows}`,
    );
  }
  const [outChannels] = need(stateDict, 'final_layer.linear.weight', 2);
  expectShape(stateDict, 'final_layer.linear.weight', [outChannels, D]);
  expectShape(stateDict, 'final_layer.linear.bias', [outChannels]);
  expectShape(stateDict, 'final_layer.adaLN_modulation.1.weight', [2 * D, D]);
  expectShape(stateDict, 'final_layer.adaLN_modulation.1.bias', [2 * D]);
  let depth = 0;
  while (stateDict.has(`blocks.${depth}.attn.qkv.weight`)) depth++;
  if (depth === 0) throw new DiT1DError(`state dict: expected tensors 'blocks.0.*', got none`);
  const [mlpHiddenSize] = need(stateDict, 'blocks.0.mlp.fc1.weight', 2);
  for (let i = 0; i < depth; i++) {
    const b = `blocks.${i}`;
    expectShape(stateDict, `${b}.attn.qkv.weight`, [3 * D, D]);
    expectShape(stateDict, `${b}.attn.qkv.bias`, [3 * D]);
    expectShape(stateDict, `${b}.attn.proj.weight`, [D, D]);
    expectShape(stateDict, `${b}.attn.proj.bias`, [D]);
    expectShape(stateDict, `${b}.mlp.fc1.weight`, [mlpHiddenSize, D]);
    expectShape(stateDict, `${b}.mlp.fc1.bias`, [mlpHiddenSize]);
    expectShape(stateDict, `${b}.mlp.fc2.weight`, [D, mlpHiddenSize]);
    expectShape(stateDict, `${b}.mlp.fc2.bias`, [D]);
    expectShape(stateDict, `${b}.adaLN_modulation.1.weight`, [6 * D, D]);
    expectShape(stateDict, `${b}.adaLN_modulation.1.bias`, [6 * D]);
  }
  return {
    codebookSize,
    setSize: outChannels - 1,
    hiddenSize: D,
    depth,
    numHeads: resolveNumHeads(D, depth, options),
    numClasses: labelRows - 1,
    countEmbeddings,
    frequencySize,
    mlpHiddenSize,
  };
}

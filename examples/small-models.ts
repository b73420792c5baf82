/**
 * Small models from formula weights for the examples when no checkpoint is given. The weights are
 * NOT trained: the programs run every stage for real, but the pictures are noise.
 */

import { readFileSync } from 'node:fs';
import { exportDiT1D } from '@tokenset/dit1d';
import { formulaStateDict, parseShapes } from '@tokenset/formula-weights';
import { tokenizerShapes } from '@tokenset/tokenizer';

/** A set tokenizer state dict at toy size: 64×64 images, 8 tokens, codebook 64 (4 heads). */
export function smallTokenizerWeights() {
  return formulaStateDict(
    tokenizerShapes({
      imageSize: 64,
      width: 64,
      layers: 2,
      numLatentTokens: 8,
      codebookSize: 64,
      pixelDecoder: { zChannels: 64, hiddenChannels: 32, channelMult: [1, 1, 2, 2, 2] },
    }),
  );
}

/** A DiT1D over the small tokenizer's sets (C = 64, M = 8), hidden 64, depth 2, 10 classes, as ONNX bytes. */
export function smallGeneratorOnnx(): Uint8Array {
  const h = 64;
  const shapes = [
    { name: 'pos_embed', shape: [1, 64, h] },
    { name: 'x_embedder.embedding_table.weight', shape: [65, h] },
    { name: 't_embedder.mlp.0.weight', shape: [h, 256] },
    { name: 't_embedder.mlp.0.bias', shape: [h] },
    { name: 't_embedder.mlp.2.weight', shape: [h, h] },
    { name: 't_embedder.mlp.2.bias', shape: [h] },
    { name: 'y_embedder.embedding_table.weight', shape: [11, h] },
  ];
  for (let b = 0; b < 2; b++) {
    for (const [name, shape] of [
      ['attn.qkv.weight', [3 * h, h]],
      ['attn.qkv.bias', [3 * h]],
      ['attn.proj.weight', [h, h]],
      ['attn.proj.bias', [h]],
      ['mlp.fc1.weight', [4 * h, h]],
      ['mlp.fc1.bias', [4 * h]],
      ['mlp.fc2.weight', [h, 4 * h]],
      ['mlp.fc2.bias', [h]],
      ['adaLN_modulation.1.weight', [6 * h, h]],
      ['adaLN_modulation.1.bias', [6 * h]],
    ] as const) {
      shapes.push({ name: `blocks.${b}.${name}`, shape: [...shape] });
    }
  }
  shapes.push(
    { name: 'final_layer.linear.weight', shape: [9, h] },
    { name: 'final_layer.linear.bias', shape: [9] },
    { name: 'final_layer.adaLN_modulation.1.weight', shape: [2 * h, h] },
    { name: 'final_layer.adaLN_modulation.1.bias', shape: [2 * h] },
  );
  return exportDiT1D(formulaStateDict(shapes), { numHeads: 4 });
}

/**
 * torch-fidelity's InceptionV3 at its real size (the architecture is fixed) with formula weights.
 * The names and shapes come from the CLI's copy of the reference's list.
 */
export function smallInceptionWeights() {
  const json = readFileSync(new URL('../packages/cli/assets/inception-shapes.json', import.meta.url), 'utf8');
  return formulaStateDict(parseShapes(JSON.parse(json)));
}

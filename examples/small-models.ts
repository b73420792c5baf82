/**
 * Small models from formula weights for the examples when no checkpoint is given. The weights are
 * NOT trained: the programs run every stage for real, but the pictures are noise.
 */

import { dit1dShapes, exportDiT1D } from '@tokenset/dit1d';
import { inceptionShapes } from '@tokenset/eval';
import { formulaStateDict } from '@tokenset/formula-weights';
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
  const shapes = dit1dShapes({ codebookSize: 64, setSize: 8, hiddenSize: 64, depth: 2, numClasses: 10 });
  return exportDiT1D(formulaStateDict(shapes), { numHeads: 4 });
}

/**
 * torch-fidelity's InceptionV3 at its real size (the architecture is fixed) with formula weights.
 */
export function smallInceptionWeights() {
  return formulaStateDict(inceptionShapes());
}

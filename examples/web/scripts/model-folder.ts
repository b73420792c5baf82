/**
 * Where the page's models come from: @tokenset/demo-models' trained files when they are there,
 * else stand-ins of the same sizes (32×32 digits, 32 tokens over 128 codes, 10 classes) made from
 * formula weights into `.stand-in-models/` (git-ignored). The stand-ins are not trained.
 */

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dit1dShapes } from '@tokenset/dit1d';
import { formulaStateDict } from '@tokenset/formula-weights';
import { Namespace, type NdArray, writeCheckpoint, writeCheckpointTree } from '@tokenset/tensor-io';
import { tokenizerShapes } from '@tokenset/tokenizer';

const here = dirname(fileURLToPath(import.meta.url));
const TRAINED = join(here, '../../../packages/demo-models/models');
const STAND_IN = join(here, '../.stand-in-models');

/** Whether the trained demo models are present. */
export function trainedModelsPresent(): boolean {
  return ['tokenizer.pth', 'tokenizer.json', 'generator.pth', 'classifier.pth'].every((f) =>
    existsSync(join(TRAINED, f)),
  );
}

function arrays(sd: Map<string, { shape: number[]; data: Float32Array }>): Map<string, NdArray> {
  return new Map([...sd].map(([name, t]) => [name, { dtype: 'float32', shape: t.shape, data: t.data }]));
}

/** The folder holding tokenizer.pth/.json, generator.pth (and classifier.pth when trained). */
export async function modelFolder(): Promise<string> {
  if (trainedModelsPresent()) return TRAINED;
  if (existsSync(join(STAND_IN, 'generator.pth'))) return STAND_IN;
  mkdirSync(STAND_IN, { recursive: true });
  const numHeads = 4;
  const tokenizer = formulaStateDict(
    tokenizerShapes({
      imageSize: 32,
      patchSize: 4,
      width: 64,
      layers: 2,
      numLatentTokens: 32,
      codebookSize: 128,
      tokenSize: 6, // the trained demo tokenizer's sizes (@tokenset/train DEMO_TOKENIZER_CONFIG)
      pixelDecoder: {
        zChannels: 64,
        hiddenChannels: 32,
        channelMult: [1, 1, 2],
        numResBlocks: 1,
        outChannels: 3,
      },
    }),
  );
  await writeCheckpoint(join(STAND_IN, 'tokenizer.pth'), arrays(tokenizer));
  writeFileSync(join(STAND_IN, 'tokenizer.json'), `${JSON.stringify({ numHeads })}\n`);
  const sizes = { codebookSize: 128, setSize: 32, hiddenSize: 128, depth: 4, numClasses: 10 };
  const generator = arrays(formulaStateDict(dit1dShapes(sizes), 1));
  await writeCheckpointTree(
    join(STAND_IN, 'generator.pth'),
    new Map<string, unknown>([
      ['ema', generator],
      ['args', new Namespace({ num_heads: 1 })],
    ]) as never,
  );
  return STAND_IN;
}

/**
 * The demo's models, built in memory from formula weights: a small set tokenizer, a small DiT1D
 * over its token sets, and the full-size InceptionV3. None of them is trained.
 */

import { DiT1D, dit1dShapes } from '@tokenset/dit1d';
import {
  FeatureStatistics,
  INCEPTION_POOL_DIM,
  InceptionV3,
  inceptionScore,
  inceptionShapes,
  statisticsArrays,
} from '@tokenset/eval';
import { formulaStateDict } from '@tokenset/formula-weights';
import { readRgbImage, writeFileAtomic } from '@tokenset/image';
import { encodeNpz } from '@tokenset/tensor-io';
import { SetTokenizer, tokenizerShapes } from '@tokenset/tokenizer';
import { DEMO_DIT1D, DEMO_TOKENIZER, DEMO_TOKENIZER_HEADS } from './small-models.js';

/** The demo's tokenizer and generator. */
export interface DemoModels {
  tokenizer: SetTokenizer;
  generator: DiT1D;
  release(): Promise<void>;
}

/** Builds the small tokenizer and DiT1D from formula weights (seed 0). */
export async function buildDemoModels(): Promise<DemoModels> {
  const tokenizer = await SetTokenizer.load(
    formulaStateDict(
      tokenizerShapes({
        ...DEMO_TOKENIZER,
        pixelDecoder: {
          ...DEMO_TOKENIZER.pixelDecoder,
          channelMult: [...DEMO_TOKENIZER.pixelDecoder.channelMult],
        },
      }),
    ),
    {
      numHeads: DEMO_TOKENIZER_HEADS,
    },
  );
  const generator = await DiT1D.fromStateDict(formulaStateDict(dit1dShapes(DEMO_DIT1D)), {
    numHeads: DEMO_DIT1D.numHeads,
    consumeStateDict: true,
  });
  return {
    tokenizer,
    generator,
    async release() {
      await tokenizer.release();
      await generator.release();
    },
  };
}

/** InceptionV3 at full size (its architecture is fixed) with formula weights. */
export async function buildFormulaInception(): Promise<InceptionV3> {
  return InceptionV3.load(formulaStateDict(inceptionShapes()));
}

/** What the demo's InceptionV3 stage computed. */
export interface DemoInceptionResult {
  /** Inception Score of the samples (one split). */
  inceptionScore: number;
  /** Where the samples' statistics (mu, sigma, sums) were written. */
  statisticsPath: string;
}

/**
 * The demo's evaluation stage: InceptionV3 features of the samples, their Inception Score and their
 * FID statistics (mu, sigma) written like the reference's statistics files. The Fréchet distance
 * itself is not computed: with a handful of images the 2048×2048 covariances are singular (FID needs
 * more than 2,048 images per set; the protocol uses 50,000).
 */
export async function demoInception(
  samples: readonly string[],
  statisticsPath: string,
): Promise<DemoInceptionResult> {
  const inception = await buildFormulaInception();
  try {
    const first = await readRgbImage(samples[0]);
    const size = first.width;
    const batch = new Uint8Array(samples.length * size * size * 3);
    for (const [i, path] of samples.entries())
      batch.set((await readRgbImage(path)).data, i * size * size * 3);
    const { pool, logits } = await inception.features(batch, {
      n: samples.length,
      height: size,
      width: size,
    });
    // mu and sigma only, like the reference statistics files (the float64 sums would double the size).
    const statistics = new FeatureStatistics(INCEPTION_POOL_DIM).add(pool).statistics({ mu: 'float32' });
    await writeFileAtomic(statisticsPath, encodeNpz(statisticsArrays(statistics, { muDtype: 'float32' })));
    return { inceptionScore: inceptionScore(logits, { splits: 1, shuffle: false }).mean, statisticsPath };
  } finally {
    await inception.release();
  }
}

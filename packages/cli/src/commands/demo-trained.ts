/**
 * The default demo: the trained demo models of `@tokenset/demo-models` (a set tokenizer and a DiT1D
 * trained here on MNIST digits) through the whole pipeline — held-out digits to token sets and back
 * in five token orders, class-conditional generation of every digit with the full FSDD sampler,
 * the trajectory animation, and quality figures measured on held-out digits.
 */

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  accuracy,
  DEMO_MODEL_PATHS,
  DEMO_SAMPLER,
  DIGIT_CLASSES,
  DigitClassifier,
  mnistDigits,
  reconstructionQuality,
} from '@tokenset/demo-models';
import { DiT1D } from '@tokenset/dit1d';
import { describeSamplerSettings } from '@tokenset/fsdd';
import { batchImage, type RgbImage, readRgbImage, writePng } from '@tokenset/image';
import { SetTokenizer } from '@tokenset/tokenizer';
import { intFlag, stringFlag } from '../args.js';
import type { CliIo, OptionValues } from '../command.js';
import { grid, upscale } from '../raster.js';
import { SAMPLER_OPTIONS_BUT_STEPS, samplerFlags } from '../sampling-flags.js';
import { RELEASED_CHECKPOINTS, stageTimer, timingTable } from './demo-text.js';
import { generateImages } from './generate.js';
import { reconstructImage } from './reconstruct.js';

/** Digits are 32×32: the pictures are enlarged this many times. */
const SCALE = 4;

/** Runs the trained demo. */
export async function runTrainedDemo(values: OptionValues, io: CliIo): Promise<void> {
  const out = stringFlag(values, 'out') ?? 'tokenset-demo';
  const perClass = intFlag(values, 'per-class', 8, 1, 100);
  const steps = intFlag(values, 'steps', 25, 1, 1000);
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const { timings, time } = stageTimer();
  say('tokenset demo: the TokenSet pipeline on a small tokenizer and DiT1D trained in Node on MNIST digits.');
  await mkdir(out, { recursive: true });

  const { tokenizer, generator, classifier } = await time('load the trained models', async () => ({
    tokenizer: await SetTokenizer.load(DEMO_MODEL_PATHS.tokenizer),
    generator: await DiT1D.load(DEMO_MODEL_PATHS.generator),
    classifier: await DigitClassifier.load(DEMO_MODEL_PATHS.classifier),
  }));
  try {
    say(
      `models: set tokenizer ${tokenizer.imageSize}×${tokenizer.imageSize} digits → ${tokenizer.setSize} tokens from a codebook of ${tokenizer.codebookSize}; DiT1D C=${generator.codebookSize} M=${generator.setSize}, ${generator.numClasses} classes`,
    );
    const { heldOut } = mnistDigits();
    const size = tokenizer.imageSize;

    const strip = await time('reconstruct 10 held-out digits (encode + 5 decodes each)', async () => {
      const rows: RgbImage[] = [];
      let spread = 0;
      for (let d = 0; d < DIGIT_CLASSES; d++) {
        const digit = batchImage(heldOut.images, d * 100, size);
        const result = await reconstructImage(tokenizer, digit, d);
        spread = Math.max(spread, result.orderSpread);
        rows.push(upscale(result.strip, SCALE / 2));
      }
      const path = join(out, 'reconstruction.png');
      await writePng(path, grid(rows, { columns: 1, gap: 0 })); // one strip per row
      return { path, spread };
    });
    say(
      `reconstruction: ${strip.path} (one held-out digit per class; its token set decoded in 5 orders: they differ by at most ${strip.spread}/255)`,
    );

    const settings = samplerFlags(
      { ...values, steps: String(steps) },
      { setSize: generator.setSize },
      DEMO_SAMPLER,
    );
    const flagged = Object.keys(SAMPLER_OPTIONS_BUT_STEPS).some((name) => values[name] !== undefined);
    let whose = ''; // a --preset names its settings itself
    if (!flagged) whose = " (the demo generator's defaults; --preset reference for the reference's)";
    else if (values.preset === undefined)
      whose = " (the demo generator's defaults as your flags changed them)";
    say(`sampler: ${describeSamplerSettings(settings)}${whose}`);
    const classes = Array.from({ length: DIGIT_CLASSES }, (_, i) => i);
    const quiet = { ...io, stdout: { write: () => true } };
    const generated = await time(`generate ${perClass} digits of every class (${steps} FSDD steps)`, () =>
      generateImages({
        generator,
        tokenizer,
        classes,
        perClass,
        seed: 0,
        batchSize: perClass * DIGIT_CLASSES,
        out: join(out, 'samples'),
        settings,
        trajectory: true,
        format: 'webp',
        io: quiet,
        scale: SCALE,
      }),
    );
    const last = timings[timings.length - 1];
    last[1] -= generated.trajectoryMs;
    timings.push([`trajectory (decode ${steps} x0 predictions, WebP)`, generated.trajectoryMs]);
    say(
      `samples: ${generated.images.length} PNGs, ${generated.grid} (a row per class, 0 to 9), ${generated.trajectory}`,
    );

    const quality = await time('measure: 1,000 held-out digits, the samples', async () => {
      const rec = await reconstructionQuality(tokenizer, classifier, heldOut);
      const labels = Int32Array.from(classes.flatMap((c) => Array<number>(perClass).fill(c)));
      const samples = new Uint8Array(labels.length * size * size * 3);
      for (const [i, path] of generated.images.entries()) {
        samples.set(await readPixels(path), i * size * size * 3);
      }
      const gen = await classifier.classify(samples);
      return { rec, genAccuracy: accuracy(gen.predictions, labels), samples: labels.length };
    });
    say('');
    say(
      `quality (the classifier is a small CNN trained here; it is ${pct(quality.rec.originalAccuracy)} right on the held-out digits themselves):`,
    );
    say(
      `  reconstruction of 1,000 held-out digits: classifier accuracy ${pct(quality.rec.accuracy)} (originals ${pct(quality.rec.originalAccuracy)}), mean PSNR ${quality.rec.psnr.toFixed(2)} dB, reversed and shuffled token orders decode identically: ${quality.rec.orderInvariant ? 'yes' : 'NO'}`,
    );
    say(
      `  these ${quality.samples} generated digits: classified as the requested digit ${pct(quality.genAccuracy)}`,
    );
    const recorded = await readRecordedEvaluation();
    if (recorded !== undefined) say(recorded);
  } finally {
    await tokenizer.release();
    await generator.release();
    await classifier.release();
  }
  say('');
  io.stdout.write(timingTable(timings));
  say(`outputs in ${out}/`);
  say('');
  say("The same pipeline at the paper's size, on untrained formula weights: tokenset demo --formula");
  say(RELEASED_CHECKPOINTS);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** The pixels of a PNG the demo wrote. */
async function readPixels(path: string): Promise<Uint8Array> {
  return (await readRgbImage(path)).data;
}

/** The figures measured at training time (1,000 samples), from `evaluation.json`, as text. */
async function readRecordedEvaluation(): Promise<string | undefined> {
  let json: { summary?: string[] };
  try {
    json = JSON.parse(await readFile(DEMO_MODEL_PATHS.evaluation, 'utf8'));
  } catch {
    return undefined;
  }
  return json.summary?.map((line) => `  ${line}`).join('\n');
}

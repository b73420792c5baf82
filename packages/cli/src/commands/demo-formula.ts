/** The formula-weight demo (`tokenset demo --formula`): every stage at real architecture, untrained. */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writePng } from '@tokenset/image';
import { prepareImage } from '@tokenset/tokenizer';
import { intFlag, stringFlag } from '../args.js';
import type { CliIo, OptionValues } from '../command.js';
import { buildDemoModels, demoInception } from '../demo-models.js';
import { samplerFlags } from '../sampling-flags.js';
import { DEMO_IMAGE, RELEASED_CHECKPOINTS, stageTimer, timingTable } from './demo-text.js';
import { generateImages } from './generate.js';
import { reconstructImage } from './reconstruct.js';

/** Runs the formula-weight demo. */
export async function runFormulaDemo(values: OptionValues, io: CliIo): Promise<void> {
  const out = stringFlag(values, 'out') ?? 'tokenset-demo';
  const count = intFlag(values, 'images', 8, 2, 64);
  const steps = intFlag(values, 'steps', 25, 1, 1000);
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const { timings, time } = stageTimer();
  say('tokenset demo: the TokenSet pipeline end to end on small models built here from formula weights.');
  say('These weights are NOT trained: every stage runs for real, but the pictures are noise.');
  await mkdir(out, { recursive: true });

  const models = await time('build small models (tokenizer, DiT1D)', () => buildDemoModels());
  try {
    const { tokenizer, generator } = models;
    say(
      `models: set tokenizer ${tokenizer.imageSize}×${tokenizer.imageSize} images, ${tokenizer.setSize} tokens, codebook ${tokenizer.codebookSize}; DiT1D C=${generator.codebookSize} M=${generator.setSize}, ${generator.numClasses} classes`,
    );

    const strip = await time('reconstruct demo.png (encode + 5 decodes)', async () => {
      const image = await prepareImage(DEMO_IMAGE, tokenizer.imageSize);
      const result = await reconstructImage(tokenizer, image, 0);
      const path = join(out, 'reconstruction.png');
      await writePng(path, result.strip);
      return { path, spread: result.orderSpread };
    });
    say(
      `reconstruction: ${strip.path} (the 5 token orders decode to images differing by at most ${strip.spread}/255)`,
    );

    const settings = samplerFlags({ ...values, steps: String(steps) }, { setSize: generator.setSize });
    const classes = Array.from({ length: count }, (_, i) => i % generator.numClasses);
    const quiet = { ...io, stdout: { write: () => true } };
    const generated = await time(`generate ${count} images (${steps} FSDD steps, decode)`, () =>
      generateImages({
        generator,
        tokenizer,
        classes,
        perClass: 1,
        seed: 0,
        batchSize: count,
        out: join(out, 'samples'),
        settings,
        trajectory: true,
        format: 'webp',
        io: quiet,
      }),
    );
    // Report the trajectory (decoding every step's x0 prediction) as its own stage.
    const last = timings[timings.length - 1];
    last[1] -= generated.trajectoryMs;
    timings.push([`trajectory (decode ${steps} x0 predictions, WebP)`, generated.trajectoryMs]);
    say(`samples: ${generated.images.length} PNGs, ${generated.grid}, ${generated.trajectory}`);

    if (values['no-fid'] === true) {
      say('InceptionV3: skipped (--no-fid)');
    } else {
      const result = await time('InceptionV3 (full size, formula weights): features, IS, stats', () =>
        demoInception(generated.images, join(out, 'statistics.npz')),
      );
      say(
        `InceptionV3: Inception Score ${result.inceptionScore.toFixed(3)} (meaningless for untrained models; the computation is the real one); FID statistics: ${result.statisticsPath}`,
      );
      say(
        `FID: not computed here: with ${count} images the 2048×2048 covariances are singular (FID needs over 2,048 images per set; the protocol uses 50,000: tokenset sample-fid).`,
      );
    }
  } finally {
    await models.release();
  }
  say('');
  io.stdout.write(timingTable(timings));
  say(`outputs in ${out}/`);
  say('');
  say(RELEASED_CHECKPOINTS);
}

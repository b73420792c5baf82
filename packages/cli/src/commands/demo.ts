/** `tokenset demo`: the whole pipeline end to end on small formula-weight models, no downloads. */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareImage } from '@tokenset/tokenizer';
import { intFlag, stringFlag } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { buildDemoModels, demoInception } from '../demo-models.js';
import { UsageError } from '../errors.js';
import { writePng } from '../image-files.js';
import { PRESETS, type SamplerSettings } from '../sampling-flags.js';
import { generateImages } from './generate.js';
import { reconstructImage } from './reconstruct.js';

/** The photo the demo reconstructs (MIT, "Copyright (c) Authors of TokenSet"). */
export const DEMO_IMAGE = fileURLToPath(new URL('../../assets/demo.png', import.meta.url));

/** Where to get the real weights, and the one command that uses them. */
export const RELEASED_CHECKPOINTS = [
  'The released, trained checkpoints:',
  '  set_tokenizer_128_4096.pth, fsdd_small_128_4096.pth, fsdd_base_128_4096.pth',
  '  from the official TokenSet release: https://github.com/Gengzigang/TokenSet ("Download pretrained models").',
  "For FID: torch-fidelity's InceptionV3 weights",
  '  https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth',
  "  and ADM's reference statistics adm_in256_stats.npz (the fid_stats folder of https://github.com/LTH14/mar).",
  'Then generate real images with:',
  '  tokenset generate --model fsdd_base_128_4096.pth --tokenizer set_tokenizer_128_4096.pth --classes 207,360,387,974 --per-class 2 --trajectory',
].join('\n');

/** Formats a timing table: one row per stage, seconds with two decimals. */
export function timingTable(rows: readonly [string, number][]): string {
  const width = Math.max(5, ...rows.map(([name]) => name.length));
  const lines = [`${'stage'.padEnd(width)}  seconds`, `${'-'.repeat(width)}  -------`];
  for (const [name, ms] of rows) lines.push(`${name.padEnd(width)}  ${(ms / 1000).toFixed(2).padStart(7)}`);
  const total = rows.reduce((s, [, ms]) => s + ms, 0);
  lines.push(`${'total'.padEnd(width)}  ${(total / 1000).toFixed(2).padStart(7)}`);
  return `${lines.join('\n')}\n`;
}

/** The `demo` command. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the whole pipeline on small untrained models built here (no downloads)',
  usage: 'demo [--out ./tokenset-demo] [options]',
  description: [
    'Builds a small set tokenizer (64×64 images, 8 tokens, codebook 64) and a small DiT1D generator from',
    'formula weights, then runs the real pipeline: reconstructs demo.png (token set decoded in five orders),',
    'generates images with the full FSDD sampler (with its trajectory animation), and computes InceptionV3',
    'features, Inception Score and FID statistics. The weights are NOT trained: the images are noise, the point is that',
    'every stage runs. It ends by saying where the released checkpoints are and how to use them.',
  ].join('\n'),
  options: {
    out: {
      type: 'string',
      short: 'o',
      valueName: 'dir',
      description: 'output folder (default ./tokenset-demo)',
    },
    images: { type: 'string', valueName: 'n', description: 'images to generate (default 8)' },
    steps: { type: 'string', valueName: 'n', description: 'sampling steps (default 25, as the paper)' },
    'no-fid': { type: 'boolean', description: 'skip the InceptionV3 stage' },
  },
  async run(positionals, values, io: CliIo) {
    if (positionals.length > 0)
      throw new UsageError(`demo: unexpected argument ${JSON.stringify(positionals[0])}`);
    const out = stringFlag(values, 'out') ?? 'tokenset-demo';
    const count = intFlag(values, 'images', 8, 2, 64);
    const steps = intFlag(values, 'steps', 25, 1, 1000);
    const say = (text: string) => io.stdout.write(`${text}\n`);
    const timings: [string, number][] = [];
    const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const start = performance.now();
      const result = await fn();
      timings.push([name, performance.now() - start]);
      return result;
    };
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

      const settings: SamplerSettings = {
        preset: 'reference',
        steps,
        guidance: '4_50_55',
        ...PRESETS.reference,
        adjust: 'reference',
        fallback: 'batch',
      };
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
  },
};

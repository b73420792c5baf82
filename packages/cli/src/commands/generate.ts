/** `tokenset generate`: class-conditional images with the FSDD sampler. */

import { join } from 'node:path';
import { checkSeed, describeSamplerSettings, type SamplerSettings } from '@tokenset/fsdd';
import { batchImage, type RgbImage, writeFileAtomic, writePng } from '@tokenset/image';
import { intFlag, parseClassList, parseInteger, requiredFlag, stringFlag } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { generate, OffSumRows } from '../generation.js';
import { type AnimationFormat, encodeAnimation } from '../image-files.js';
import {
  CHECKPOINT_OPTIONS,
  generatorSizes,
  HEADS_OPTIONS,
  headsFlag,
  loadGenerator,
  loadTokenizer,
  RUNTIME_OPTIONS,
  requireFile,
  runtimeChoice,
} from '../models.js';
import { checkNewFiles, checkOutputFolder } from '../output-paths.js';
import { ProgressBar } from '../progress.js';
import { grid, upscale, withCaption } from '../raster.js';
import { SAMPLER_OPTIONS, samplerFlags } from '../sampling-flags.js';

/** The sub-folder of `--out` that holds the grid and the animation, so the folder itself holds only samples. */
export const OVERVIEW_FOLDER = 'overview';

/** File name of image `n` of class `label`. */
export function sampleFileName(n: number, label: number): string {
  return `${String(n).padStart(3, '0')}-class${label}.png`;
}

/** Columns of the grid: one row per class when there are several images per class, else square. */
export function gridColumns(perClass: number, total: number): number {
  return perClass > 1 ? perClass : Math.ceil(Math.sqrt(total));
}

/** Parses `--seed` (an integer in [0, 2³² − 1], fsdd's rule). */
export function seedFlag(values: Parameters<typeof stringFlag>[0], fallback = 0): number {
  const text = stringFlag(values, 'seed');
  if (text === undefined) return fallback;
  try {
    return checkSeed('--seed', parseInteger(text, '--seed'));
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

/** The `generate` command. */
export const generateCommand: Command = {
  name: 'generate',
  summary: 'class-conditional images with Fixed-Sum Discrete Diffusion (PNGs, a grid, a trajectory)',
  usage: 'generate --model <fsdd.pth> --tokenizer <tokenizer.pth> --classes 207,360 [options]',
  description: [
    'Samples token sets with the FSDD sampler on a DiT1D generator and decodes them with the set',
    'tokenizer. Writes one PNG per image (<out>/<n>-class<c>.png) and <out>/overview/grid.png: one row',
    'per class when --per-class > 1, else a square grid. The folder holds only the samples, so',
    "'tokenset fid <out>' reads exactly them. Existing files are never overwritten (choose a new --out).",
    'Image n uses seed <seed>+n, so a run is reproducible image by image whatever the batch size.',
    '--trajectory also writes overview/trajectory.webp (or .gif): the decoded x0 prediction of every step.',
  ].join('\n'),
  options: {
    ...CHECKPOINT_OPTIONS,
    classes: { type: 'string', valueName: 'ids', description: 'class ids, e.g. 207,360 or 0-9' },
    'per-class': { type: 'string', valueName: 'n', description: 'images per class (default 1)' },
    seed: { type: 'string', valueName: 's', description: 'seed of the first image (default 0)' },
    out: {
      type: 'string',
      short: 'o',
      valueName: 'dir',
      description: 'output folder (default ./tokenset-samples)',
    },
    'batch-size': { type: 'string', valueName: 'n', description: 'images sampled together (default 8)' },
    trajectory: {
      type: 'boolean',
      description: 'also write the step-by-step x0 predictions as an animation',
    },
    'trajectory-format': {
      type: 'string',
      valueName: 'webp|gif',
      description: 'animation format (default webp)',
    },
    profile: {
      type: 'boolean',
      description: 'print the share of each step spent in the model, guidance, sampler and decode',
    },
    ...SAMPLER_OPTIONS,
    ...HEADS_OPTIONS,
    ...RUNTIME_OPTIONS,
  },
  examples: [
    'tokenset generate --model fsdd_base_128_4096.pth --tokenizer set_tokenizer_128_4096.pth --classes 207,360 --per-class 4',
    'tokenset generate --model fsdd_small_128_4096.pth --tokenizer set_tokenizer_128_4096.pth --classes 88 --preset high-quality --trajectory',
  ],
  async run(positionals, values, io: CliIo) {
    if (positionals.length > 0)
      throw new UsageError(`generate: unexpected argument ${JSON.stringify(positionals[0])}`);
    const modelPath = requiredFlag(values, 'model', 'a DiT1D checkpoint');
    const tokenizerPath = requiredFlag(values, 'tokenizer', 'a set tokenizer checkpoint');
    const classesText = requiredFlag(values, 'classes', 'class ids such as 207,360');
    const perClass = intFlag(values, 'per-class', 1, 1, 100_000);
    const seed = seedFlag(values);
    const batchSize = intFlag(values, 'batch-size', 8, 1, 4096);
    const out = stringFlag(values, 'out') ?? 'tokenset-samples';
    const formatText = stringFlag(values, 'trajectory-format') ?? 'webp';
    if (formatText !== 'webp' && formatText !== 'gif') {
      throw new UsageError(`--trajectory-format: expected webp or gif, got ${JSON.stringify(formatText)}`);
    }
    const format: AnimationFormat = formatText;
    // Everything the command line alone can check, before any model loads.
    let settings = samplerFlags(values);
    const runtime = runtimeChoice(values, io.env);
    await requireFile(modelPath, '--model');
    await requireFile(tokenizerPath, '--tokenizer');
    const sizes = await generatorSizes(modelPath);
    if (sizes) {
      settings = samplerFlags(values, { setSize: sizes.setSize });
      parseClassList(classesText, sizes.numClasses);
    }
    const trajectory = values.trajectory === true;
    await checkOutputFolder(out, '--out');
    if (sizes) {
      const labels = parseClassList(classesText, sizes.numClasses).flatMap((c) =>
        Array<number>(perClass).fill(c),
      );
      await checkNewFiles(outputFiles(out, labels, trajectory, format), '--out');
    }
    const generator = await loadGenerator(modelPath, runtime, '--model', headsFlag(values, 'model-heads'));
    try {
      const classes = parseClassList(classesText, generator.numClasses);
      if (!sizes) {
        // A converted .onnx tells its sizes only once loaded: check before the tokenizer loads.
        settings = samplerFlags(values, { setSize: generator.setSize });
        const labels = classes.flatMap((c) => Array<number>(perClass).fill(c));
        await checkNewFiles(outputFiles(out, labels, trajectory, format), '--out');
      }
      const tokenizer = await loadTokenizer(
        tokenizerPath,
        runtime,
        '--tokenizer',
        headsFlag(values, 'tokenizer-heads'),
      );
      try {
        if (tokenizer.codebookSize !== generator.codebookSize || tokenizer.setSize !== generator.setSize) {
          // Two models that do not fit together: a model error (exit 1), not a usage error.
          throw new CliError(
            `--tokenizer: expected a tokenizer with ${generator.setSize} tokens over a codebook of ${generator.codebookSize} (the generator's), got ${tokenizer.setSize} over ${tokenizer.codebookSize}`,
          );
        }
        await generateImages({
          generator,
          tokenizer,
          classes,
          perClass,
          seed,
          batchSize,
          out,
          settings,
          format,
          io,
          trajectory,
          profile: values.profile === true,
        });
      } finally {
        await tokenizer.release();
      }
    } finally {
      await generator.release();
    }
  },
};

/** Every file `generate` writes for these labels. */
export function outputFiles(
  out: string,
  labels: readonly number[],
  trajectory: boolean,
  format: AnimationFormat,
): string[] {
  const files = labels.map((label, n) => join(out, sampleFileName(n, label)));
  files.push(join(out, OVERVIEW_FOLDER, 'grid.png'));
  if (trajectory) files.push(join(out, OVERVIEW_FOLDER, `trajectory.${format}`));
  return files;
}

/** Everything {@link generateImages} needs. */
export interface GenerateJob {
  generator: Parameters<typeof generate>[0];
  tokenizer: Parameters<typeof generate>[1];
  classes: number[];
  perClass: number;
  seed: number;
  batchSize: number;
  out: string;
  settings: SamplerSettings;
  trajectory: boolean;
  format: AnimationFormat;
  io: CliIo;
  /** Enlarge the grid and the animation frames this many times (small images; default 1). */
  scale?: number;
  /** Print the step profile at the end. */
  profile?: boolean;
}

/** Generates, writes the PNGs, the grid and the trajectory; returns the written paths. */
export async function generateImages(
  job: GenerateJob,
): Promise<{ images: string[]; grid: string; trajectory?: string; trajectoryMs: number }> {
  const { classes, perClass, seed, batchSize, out, settings, io } = job;
  const labels = classes.flatMap((c) => Array<number>(perClass).fill(c));
  const total = labels.length;
  const size = job.tokenizer.imageSize;
  io.stderr.write(`sampling ${total} image${total === 1 ? '' : 's'}: ${describeSamplerSettings(settings)}\n`);
  const bar = new ProgressBar(io.stderr, {
    total: total * settings.steps,
    label: 'sampling',
    unit: 'image-steps',
  });
  const finals: RgbImage[] = [];
  const steps: RgbImage[][] = [];
  const written: string[] = [];
  let trajectoryMs = 0;
  const spent = { model: 0, guidance: 0, sampler: 0, decode: 0, steps: 0, threads: 1 };
  const offSum = new OffSumRows(job.generator.setSize);
  for (let start = 0; start < total; start += batchSize) {
    const batchLabels = labels.slice(start, start + batchSize);
    const seeds = batchLabels.map((_, i) => seed + start + i);
    const result = await generate(
      job.generator,
      job.tokenizer,
      settings,
      batchLabels,
      seeds,
      job.trajectory,
      () => bar.tick(batchLabels.length),
      job.profile,
    );
    offSum.add(result.rowSums);
    if (result.profile) {
      spent.model += result.profile.modelMs;
      spent.guidance += result.profile.guidanceMs;
      spent.sampler += result.profile.samplerMs;
      spent.decode += result.profile.decodeMs;
      spent.steps += result.profile.steps;
      spent.threads = result.profile.threads;
    }
    for (let i = 0; i < batchLabels.length; i++) {
      const image = batchImage(result.images, i, size);
      const shown = upscale(image, job.scale ?? 1);
      const n = start + i;
      const path = join(out, sampleFileName(n, batchLabels[i]));
      await writePng(path, image);
      finals.push(shown);
      written.push(path);
    }
    if (result.trajectory) {
      const started = performance.now();
      for (const [s, tokens] of result.trajectory.entries()) {
        const decoded = await job.tokenizer.decode(tokens);
        steps[s] ??= [];
        for (let i = 0; i < batchLabels.length; i++)
          steps[s].push(upscale(batchImage(decoded, i, size), job.scale ?? 1));
      }
      trajectoryMs += performance.now() - started;
    }
  }
  bar.finish();
  const note = offSum.note(settings);
  if (note) io.stderr.write(`${note}\n`);
  if (job.profile && spent.steps > 0) {
    const all = spent.model + spent.guidance + spent.sampler + spent.decode;
    const part = (name: string, ms: number) =>
      `${name} ${((100 * ms) / all).toFixed(1)}% (${(ms / spent.steps).toFixed(1)} ms/step)`;
    io.stderr.write(
      `step profile, batch ${Math.min(batchSize, total)}, ${spent.steps} steps: ${[
        part('model', spent.model),
        part('guidance', spent.guidance),
        part(`sampler (${spent.threads} thread${spent.threads === 1 ? '' : 's'})`, spent.sampler),
        part('decode', spent.decode),
      ].join(', ')}\n`,
    );
  }
  const columns = gridColumns(perClass, total);
  const gridPath = join(out, OVERVIEW_FOLDER, 'grid.png');
  await writePng(gridPath, grid(finals, { columns }));
  let trajectoryPath: string | undefined;
  if (job.trajectory) {
    const started = performance.now();
    const frames = steps.map((images, s) =>
      withCaption(grid(images, { columns }), `x0 prediction, step ${s + 1}/${settings.steps}`),
    );
    frames.push(withCaption(grid(finals, { columns }), 'final'));
    trajectoryPath = join(out, OVERVIEW_FOLDER, `trajectory.${job.format}`);
    await writeFileAtomic(trajectoryPath, await encodeAnimation(frames, job.format));
    trajectoryMs += performance.now() - started;
  }
  io.stdout.write(
    `wrote ${written.length} images and ${gridPath}${trajectoryPath ? ` and ${trajectoryPath}` : ''}\n`,
  );
  return { images: written, grid: gridPath, trajectory: trajectoryPath, trajectoryMs };
}

/** `tokenset fid`: FID and Inception Score of a folder, a sample-fid run, or a statistics file. */

import { stat } from 'node:fs/promises';
import {
  FeatureStatistics,
  type FidResults,
  finishFidRun,
  frechetDistance,
  INCEPTION_LOGITS_DIM,
  INCEPTION_POOL_DIM,
  loadStatistics,
  readRunManifest,
  runInceptionScore,
  runPaths,
  type Statistics,
  statisticsArrays,
} from '@tokenset/eval';
import { IMAGE_EXTENSIONS, listImageFiles, readRgbImage, writeFileAtomic } from '@tokenset/image';
import { encodeNpz } from '@tokenset/tensor-io';
import { intFlag, stringFlag } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { CliError, errorLine, UsageError } from '../errors.js';
import { loadInception, RUNTIME_OPTIONS, requireFile, runtimeChoice } from '../models.js';
import { checkNewFiles } from '../output-paths.js';
import { ProgressBar } from '../progress.js';

async function readStatistics(path: string, flag: string): Promise<Statistics> {
  await requireFile(path, flag);
  try {
    return await loadStatistics(path);
  } catch (error) {
    throw new CliError(`${flag}: cannot read statistics ${path}: ${errorLine(error)}`);
  }
}

function formatResults(r: FidResults): string {
  const lines = [`images: ${r.images}`];
  if (r.fid !== undefined) lines.push(`FID: ${r.fid.toFixed(4)} (against ${r.reference})`);
  lines.push(
    `Inception Score: ${r.inceptionScore.mean.toFixed(4)} ± ${r.inceptionScore.std.toFixed(4)} (${r.inceptionScore.splits} splits)`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Merges a complete sample-fid run with @tokenset/eval's `finishFidRun` (statistics.npz, results.json,
 * FID against `ref`) and prints the results. Called by `sample-fid` when its shard completes the
 * plan, and by `fid <run>`.
 */
export async function finishRun(
  dir: string,
  ref: string | undefined,
  io: CliIo,
  splits = 10,
): Promise<FidResults> {
  const results = await finishFidRun(dir, {
    reference: ref ? await readStatistics(ref, '--ref') : undefined,
    splits,
  });
  if (ref) results.reference = ref;
  io.stdout.write(formatResults(results));
  io.stdout.write(`statistics: ${runPaths(dir).statistics}\n`);
  return results;
}

/** Features of every image of a plain folder (sorted by name, every readable format), in batches. */
async function folderFeatures(
  files: readonly string[],
  inceptionPath: string,
  values: Parameters<typeof runtimeChoice>[0],
  io: CliIo,
): Promise<{ statistics: FeatureStatistics; logits: Float32Array; count: number }> {
  const inception = await loadInception(inceptionPath, runtimeChoice(values, io.env));
  try {
    const batchSize = intFlag(values, 'batch-size', 25, 1, 4096);
    const statistics = new FeatureStatistics(INCEPTION_POOL_DIM);
    const logits = new Float32Array(files.length * INCEPTION_LOGITS_DIM);
    const bar = new ProgressBar(io.stderr, { total: files.length, label: 'inception', unit: 'images' });
    for (let start = 0; start < files.length; start += batchSize) {
      const batch = files.slice(start, start + batchSize);
      const images = await Promise.all(
        batch.map(async (path) => {
          try {
            return await readRgbImage(path);
          } catch (error) {
            throw new CliError(errorLine(error));
          }
        }),
      );
      const { width, height } = images[0];
      const pixels = new Uint8Array(images.length * width * height * 3);
      images.forEach((image, i) => {
        if (image.width !== width || image.height !== height) {
          throw new CliError(
            `${batch[i]}: expected ${width}×${height} like the other images, got ${image.width}×${image.height}`,
          );
        }
        pixels.set(image.data, i * width * height * 3);
      });
      const features = await inception.features(pixels, { n: images.length, height, width });
      statistics.add(features.pool);
      logits.set(features.logits, start * INCEPTION_LOGITS_DIM);
      bar.tick(images.length);
    }
    bar.finish();
    return { statistics, logits, count: files.length };
  } finally {
    await inception.release();
  }
}

/** The `fid` command. */
export const fidCommand: Command = {
  name: 'fid',
  summary: 'FID and Inception Score of a sample-fid run, an image folder or a statistics file',
  usage: 'fid <run-folder|image-folder|stats.npz> [--ref <stats.npz>] [options]',
  description: [
    'A sample-fid run folder: merges the stored features of all shards (exactly, in plan order) into',
    'statistics.npz and results.json. An image folder: computes InceptionV3 features of every image',
    `(${IMAGE_EXTENSIONS.join(', ')}; not in sub-folders) and needs --inception. A statistics .npz`,
    '(mu, sigma): only the FID against --ref. FID as torch-fidelity computes it; Inception Score with',
    '10 splits after its seeded shuffle. Every path is checked before InceptionV3 loads.',
  ].join('\n'),
  options: {
    ref: {
      type: 'string',
      valueName: 'stats.npz',
      description: 'reference statistics (e.g. ADM adm_in256_stats.npz)',
    },
    inception: {
      type: 'string',
      valueName: 'inception.pth',
      description: 'InceptionV3 weights (for image folders)',
    },
    'save-stats': {
      type: 'string',
      valueName: 'out.npz',
      description: 'write the statistics (mu, sigma) of an image folder (a new file)',
    },
    splits: { type: 'string', valueName: 'n', description: 'Inception Score splits (default 10)' },
    'batch-size': {
      type: 'string',
      valueName: 'n',
      description: 'images per InceptionV3 batch (default 25)',
    },
    ...RUNTIME_OPTIONS,
  },
  examples: [
    'tokenset fid fid-base --ref adm_in256_stats.npz',
    'tokenset fid my-images/ --inception weights-inception-2015-12-05-6726825d.pth --ref adm_in256_stats.npz',
  ],
  async run(positionals, values, io: CliIo) {
    if (positionals.length !== 1)
      throw new UsageError('fid: expected one <run-folder|image-folder|stats.npz>');
    const [input] = positionals;
    const ref = stringFlag(values, 'ref');
    const splits = intFlag(values, 'splits', 10, 1, 1000);
    intFlag(values, 'batch-size', 25, 1, 4096);
    runtimeChoice(values, io.env);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(input);
    } catch {
      throw new CliError(`no such folder or file: ${input}`);
    }
    if (ref) await requireFile(ref, '--ref');
    if (!info.isDirectory()) {
      if (!ref) throw new UsageError('fid: a statistics file needs --ref to compare against');
      const fid = frechetDistance(await readStatistics(input, 'fid'), await readStatistics(ref, '--ref'));
      io.stdout.write(`FID: ${fid.toFixed(4)}\n`);
      return;
    }
    if (await readRunManifest(input)) {
      await finishRun(input, ref, io, splits);
      return;
    }
    // An image folder: every check before InceptionV3 loads and features are computed.
    const files = await listImageFiles(input);
    if (files.length < 2) {
      throw new CliError(
        `${input}: expected at least 2 images (${IMAGE_EXTENSIONS.join(', ')}), got ${files.length}`,
      );
    }
    const inceptionPath = stringFlag(values, 'inception');
    if (!inceptionPath)
      throw new UsageError('--inception: expected InceptionV3 weights to compute features of a folder');
    await requireFile(inceptionPath, '--inception');
    const saveTo = stringFlag(values, 'save-stats');
    if (saveTo) await checkNewFiles([saveTo], '--save-stats');
    const reference = ref ? await readStatistics(ref, '--ref') : undefined;
    const { statistics, logits, count } = await folderFeatures(files, inceptionPath, values, io);
    if (saveTo)
      await writeFileAtomic(saveTo, encodeNpz(statisticsArrays(statistics, { muDtype: 'float32' })));
    const results: FidResults = { images: count, inceptionScore: runInceptionScore(logits, splits) };
    if (reference) {
      results.fid = frechetDistance(statistics.statistics({ mu: 'float32' }), reference);
      results.reference = ref;
    }
    io.stdout.write(formatResults(results));
  },
};

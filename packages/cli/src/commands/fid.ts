/** `tokenset fid`: FID and Inception Score of a folder, a sample-fid run, or a statistics file. */

import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  FeatureStatistics,
  frechetDistance,
  loadStatistics,
  type Statistics,
  statisticsArrays,
} from '@tokenset/eval';
import { encodeNpz } from '@tokenset/tensor-io';
import { intFlag, stringFlag } from '../args.js';
import { writeFileAtomic } from '../atomic-write.js';
import type { CliIo, Command } from '../command.js';
import { CliError, errorLine, UsageError } from '../errors.js';
import {
  type FidResults,
  LOGITS_DIM,
  mergeRun,
  missingBatches,
  POOL_DIM,
  type RunManifest,
  runInceptionScore,
  runPaths,
} from '../fid-run.js';
import { readRgb } from '../image-files.js';
import { loadInception, RUNTIME_OPTIONS, requireFile, runtimeChoice } from '../models.js';
import { ProgressBar } from '../progress.js';

async function readStatistics(path: string, flag: string): Promise<Statistics> {
  await requireFile(path, flag);
  try {
    return await loadStatistics(path);
  } catch (error) {
    throw new CliError(`${flag}: cannot read statistics ${path}: ${errorLine(error)}`);
  }
}

async function readManifest(dir: string): Promise<RunManifest | undefined> {
  try {
    return JSON.parse(await readFile(runPaths(dir).manifest, 'utf8')) as RunManifest;
  } catch {
    return undefined;
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
 * Merges a complete sample-fid run: statistics.npz (mu, sigma), results.json, and the FID against
 * `ref` when given. Called by `sample-fid` when its shard completes the plan, and by `fid <run>`.
 */
export async function finishRun(
  dir: string,
  ref: string | undefined,
  io: CliIo,
  splits = 10,
): Promise<FidResults> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new CliError(`${dir}: not a sample-fid run (no run.json)`);
  const missing = await missingBatches(dir, manifest.plan);
  if (missing.length > 0) {
    throw new CliError(
      `${dir}: ${missing.length} batches are not done yet (first: batch ${missing[0]}); finish every shard first`,
    );
  }
  const merged = await mergeRun(dir, manifest.plan);
  const statistics = merged.statistics.statistics({ mu: 'float32' });
  // mu (float32, as torch-fidelity stores it), sigma, and the float64 sums for later merges.
  const arrays = statisticsArrays(merged.statistics, { muDtype: 'float32' });
  await writeFileAtomic(runPaths(dir).statistics, encodeNpz(arrays));
  const results: FidResults = {
    images: merged.count,
    inceptionScore: runInceptionScore(merged.logits, splits),
  };
  if (ref) {
    results.fid = frechetDistance(statistics, await readStatistics(ref, '--ref'));
    results.reference = ref;
  }
  await writeFileAtomic(runPaths(dir).results, `${JSON.stringify(results, null, 2)}\n`);
  io.stdout.write(formatResults(results));
  io.stdout.write(`statistics: ${runPaths(dir).statistics}\n`);
  return results;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/** Features of every image of a plain folder (sorted by name), in batches. */
async function folderFeatures(
  dir: string,
  inceptionPath: string | undefined,
  values: Parameters<typeof runtimeChoice>[0],
  io: CliIo,
): Promise<{ statistics: FeatureStatistics; logits: Float32Array; count: number }> {
  const names = (await readdir(dir)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
  if (names.length < 2)
    throw new CliError(`${dir}: expected at least 2 images (png, jpg, webp), got ${names.length}`);
  if (!inceptionPath)
    throw new UsageError('--inception: expected InceptionV3 weights to compute features of a folder');
  const inception = await loadInception(inceptionPath, runtimeChoice(values, io.env));
  try {
    const batchSize = intFlag(values, 'batch-size', 25, 1, 4096);
    const statistics = new FeatureStatistics(POOL_DIM);
    const logits = new Float32Array(names.length * LOGITS_DIM);
    const bar = new ProgressBar(io.stderr, { total: names.length, label: 'inception', unit: 'images' });
    for (let start = 0; start < names.length; start += batchSize) {
      const batch = names.slice(start, start + batchSize);
      const images = await Promise.all(batch.map((n) => readRgb(join(dir, n))));
      const { width, height } = images[0];
      const pixels = new Uint8Array(images.length * width * height * 3);
      images.forEach((image, i) => {
        if (image.width !== width || image.height !== height) {
          throw new CliError(
            `${join(dir, batch[i])}: expected ${width}×${height} like the other images, got ${image.width}×${image.height}`,
          );
        }
        pixels.set(image.data, i * width * height * 3);
      });
      const features = await inception.features(pixels, { n: images.length, height, width });
      statistics.add(features.pool);
      logits.set(features.logits, start * LOGITS_DIM);
      bar.tick(images.length);
    }
    bar.finish();
    return { statistics, logits, count: names.length };
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
    '(needs --inception). A statistics .npz (mu, sigma): only the FID against --ref.',
    'FID as torch-fidelity computes it; Inception Score with 10 splits after its seeded shuffle.',
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
      description: 'write the statistics (mu, sigma) of an image folder',
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
    if (await readManifest(input)) {
      await finishRun(input, ref, io, splits);
      return;
    }
    const { statistics, logits, count } = await folderFeatures(
      input,
      stringFlag(values, 'inception'),
      values,
      io,
    );
    const stats = statistics.statistics({ mu: 'float32' });
    const saveTo = stringFlag(values, 'save-stats');
    if (saveTo)
      await writeFileAtomic(saveTo, encodeNpz(statisticsArrays(statistics, { muDtype: 'float32' })));
    const results: FidResults = { images: count, inceptionScore: runInceptionScore(logits, splits) };
    if (ref) {
      results.fid = frechetDistance(stats, await readStatistics(ref, '--ref'));
      results.reference = ref;
    }
    io.stdout.write(formatResults(results));
  },
};

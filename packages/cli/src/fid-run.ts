/**
 * A sharded, resumable FID sampling run on disk.
 *
 * ```
 * <out>/run.json                     the plan and sampler settings (every shard checks it)
 * <out>/images/000000.png …          image i: class floor(i / perClass), seed seed + i
 * <out>/features/batch-00000.npz …   InceptionV3 pool features and logits of one batch
 * <out>/statistics.npz, results.json written once every batch of the plan is done
 * ```
 *
 * A batch is done when its PNGs decode and its feature file is complete. Every file is written
 * atomically, so a killed run leaves only whole files and resumes where it stopped: missing images
 * are regenerated (in their batch, so they come out bit-identical), present ones are kept.
 * The statistics are always accumulated batch by batch in plan order from the feature files, so a
 * run split into any number of shards gives exactly the statistics of one unsharded run.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FeatureStatistics, inceptionScore, type Statistics } from '@tokenset/eval';
import { encodeNpz, readNpz } from '@tokenset/tensor-io';
import { writeFileAtomic } from './atomic-write.js';
import { CliError } from './errors.js';
import {
  batchCount,
  batchRange,
  type FidPlan,
  featureFileName,
  imageFileName,
  imageLabel,
  imageSeed,
  type Shard,
  shardBatches,
} from './fid-plan.js';
import { isValidPng, readPngRgb, writePng } from './image-files.js';
import { ProgressBar, type ProgressStream } from './progress.js';
import { batchImage } from './raster.js';
import { describeSampler, type SamplerSettings } from './sampling-flags.js';

/** Dimension of InceptionV3 pool features and number of its logits. */
export const POOL_DIM = 2048;
export const LOGITS_DIM = 1008;

/** What `run.json` records: everything that decides the images. */
export interface RunManifest {
  plan: FidPlan;
  sampler: SamplerSettings;
  imageSize: number;
}

/** What a run needs to make images and features (real models, or fakes in tests). */
export interface RunModels {
  /** Samples and decodes a batch: `[n, S, S, 3]` uint8 images for these labels and seeds. */
  generate(labels: number[], seeds: number[]): Promise<Uint8Array>;
  /** Inception features of `[n, S, S, 3]` uint8 images. */
  features(
    images: Uint8Array,
    n: number,
    size: number,
  ): Promise<{ pool: Float32Array; logits: Float32Array }>;
}

/** Paths of a run folder. */
export function runPaths(dir: string) {
  return {
    manifest: join(dir, 'run.json'),
    images: join(dir, 'images'),
    features: join(dir, 'features'),
    statistics: join(dir, 'statistics.npz'),
    results: join(dir, 'results.json'),
  };
}

function canonical(manifest: RunManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Creates `run.json`, or checks that an existing one has the same settings (all shards of a run and
 * every resume must agree, or images from different settings would be mixed).
 */
export async function openRun(dir: string, manifest: RunManifest): Promise<void> {
  const path = runPaths(dir).manifest;
  let existing: string | undefined;
  try {
    existing = await readFile(path, 'utf8');
  } catch {
    await writeFileAtomic(path, canonical(manifest));
    return;
  }
  let old: RunManifest;
  try {
    old = JSON.parse(existing) as RunManifest;
  } catch {
    throw new CliError(`${path}: not a readable run file (delete it to start over)`);
  }
  const differences: string[] = [];
  const compare = (name: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b))
      differences.push(`${name} ${JSON.stringify(a)} (now ${JSON.stringify(b)})`);
  };
  for (const key of Object.keys(manifest.plan) as (keyof FidPlan)[])
    compare(key, old.plan?.[key], manifest.plan[key]);
  compare('sampler', old.sampler, manifest.sampler);
  compare('image size', old.imageSize, manifest.imageSize);
  if (differences.length > 0) {
    throw new CliError(
      `${dir} was started with other settings: ${differences.join(', ')}; use the same flags or a new --out folder`,
    );
  }
}

/** Reads a batch's feature file; undefined when missing, incomplete or of the wrong size. */
export async function readBatchFeatures(
  path: string,
  rows: number,
): Promise<{ pool: Float32Array; logits: Float32Array } | undefined> {
  try {
    const arrays = await readNpz(path);
    const pool = arrays.get('pool');
    const logits = arrays.get('logits');
    if (!pool || !logits || !(pool.data instanceof Float32Array) || !(logits.data instanceof Float32Array))
      return undefined;
    if (pool.data.length !== rows * POOL_DIM || logits.data.length !== rows * LOGITS_DIM) return undefined;
    return { pool: pool.data, logits: logits.data };
  } catch {
    return undefined;
  }
}

/** The state of one batch on disk. */
interface BatchState {
  batch: number;
  missing: number[];
  featuresDone: boolean;
}

async function batchState(dir: string, plan: FidPlan, batch: number, size: number): Promise<BatchState> {
  const paths = runPaths(dir);
  const [start, end] = batchRange(plan, batch);
  const missing: number[] = [];
  for (let i = start; i < end; i++) {
    if (!(await isValidPng(join(paths.images, imageFileName(plan, i)), size, size))) missing.push(i);
  }
  const featuresDone =
    (await readBatchFeatures(join(paths.features, featureFileName(plan, batch)), end - start)) !== undefined;
  return { batch, missing, featuresDone };
}

/** What {@link runShard} did. */
export interface ShardReport {
  /** Images of the shard. */
  images: number;
  /** Images found done before this run. */
  skipped: number;
  /** Images generated now. */
  generated: number;
  /** Batches whose features were computed now. */
  featureBatches: number;
}

/** Generates the images and features of one shard that are not on disk yet. */
export async function runShard(
  dir: string,
  manifest: RunManifest,
  shard: Shard,
  models: RunModels,
  stderr: ProgressStream,
): Promise<ShardReport> {
  const { plan, imageSize: size } = manifest;
  const paths = runPaths(dir);
  await openRun(dir, manifest);
  const [first, end] = shardBatches(plan, shard);
  const states: BatchState[] = [];
  let images = 0;
  let skipped = 0;
  for (let b = first; b < end; b++) {
    const state = await batchState(dir, plan, b, size);
    const [s, e] = batchRange(plan, b);
    images += e - s;
    if (state.missing.length === 0 && state.featuresDone) skipped += e - s;
    else states.push(state);
    if (state.missing.length === 0 && !state.featuresDone) skipped += e - s;
  }
  stderr.write(
    `shard ${shard.index}/${shard.count}: images ${batchRange(plan, first)[0]}-${batchRange(plan, Math.max(first, end - 1))[1] - 1} (${images}); ${skipped} already done; ${describeSampler(manifest.sampler)}\n`,
  );
  const bar = new ProgressBar(stderr, {
    total: images,
    label: 'sample-fid',
    unit: 'images',
    initial: skipped,
  });
  let generated = 0;
  let featureBatches = 0;
  for (const state of states) {
    const [start, stop] = batchRange(plan, state.batch);
    const n = stop - start;
    let pixels: Uint8Array;
    if (state.missing.length > 0) {
      const indices = Array.from({ length: n }, (_, k) => start + k);
      pixels = await models.generate(
        indices.map((i) => imageLabel(plan, i)),
        indices.map((i) => imageSeed(plan, i)),
      );
      for (const i of state.missing) {
        await writePng(join(paths.images, imageFileName(plan, i)), batchImage(pixels, i - start, size));
      }
      generated += state.missing.length;
    } else {
      pixels = new Uint8Array(n * size * size * 3);
      for (let i = start; i < stop; i++) {
        pixels.set(
          (await readPngRgb(join(paths.images, imageFileName(plan, i)))).data,
          (i - start) * size * size * 3,
        );
      }
    }
    if (!state.featuresDone) {
      const { pool, logits } = await models.features(pixels, n, size);
      const bytes = encodeNpz({
        pool: { dtype: 'float32', shape: [n, POOL_DIM], data: pool },
        logits: { dtype: 'float32', shape: [n, LOGITS_DIM], data: logits },
      });
      await writeFileAtomic(join(paths.features, featureFileName(plan, state.batch)), bytes);
      featureBatches++;
    }
    bar.tick(state.missing.length > 0 ? n : 0);
  }
  bar.finish();
  return { images, skipped, generated, featureBatches };
}

/** Batches of the whole plan whose feature files are missing or incomplete. */
export async function missingBatches(dir: string, plan: FidPlan): Promise<number[]> {
  const missing: number[] = [];
  for (let b = 0; b < batchCount(plan); b++) {
    const [s, e] = batchRange(plan, b);
    if (!(await readBatchFeatures(join(runPaths(dir).features, featureFileName(plan, b)), e - s)))
      missing.push(b);
  }
  return missing;
}

/** Statistics and logits of a complete run, merged from the batch files in plan order. */
export interface MergedRun {
  statistics: FeatureStatistics;
  logits: Float32Array;
  count: number;
}

/**
 * Merges the feature files of every batch, in plan order. The sums are accumulated batch by batch
 * in the same order whatever the sharding, so the result is bit-identical to an unsharded run.
 */
export async function mergeRun(dir: string, plan: FidPlan): Promise<MergedRun> {
  const total = batchRange(plan, batchCount(plan) - 1)[1];
  const statistics = new FeatureStatistics(POOL_DIM);
  const logits = new Float32Array(total * LOGITS_DIM);
  for (let b = 0; b < batchCount(plan); b++) {
    const [s, e] = batchRange(plan, b);
    const path = join(runPaths(dir).features, featureFileName(plan, b));
    const features = await readBatchFeatures(path, e - s);
    if (!features)
      throw new CliError(`${path}: missing or incomplete; run the shard that holds batch ${b} again`);
    statistics.add(features.pool);
    logits.set(features.logits, s * LOGITS_DIM);
  }
  return { statistics, logits, count: total };
}

/** The numbers `tokenset fid` reports. */
export interface FidResults {
  images: number;
  fid?: number;
  reference?: string;
  inceptionScore: { mean: number; std: number; splits: number };
}

/**
 * Inception Score of the run's logits (torch-fidelity: 10 splits after a seeded shuffle). With fewer
 * images than splits (a quick check), one split per image.
 */
export function runInceptionScore(logits: Float32Array, requestedSplits = 10): FidResults['inceptionScore'] {
  const splits = Math.min(requestedSplits, logits.length / LOGITS_DIM);
  const score = inceptionScore(logits, { classes: LOGITS_DIM, splits });
  return { mean: score.mean, std: score.std, splits };
}

/** Type of the statistics stored in `statistics.npz`. */
export type { Statistics };

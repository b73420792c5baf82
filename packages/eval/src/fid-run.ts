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
import { batchImage, isCompleteImage, readRgbImage, writeFileAtomic, writePng } from '@tokenset/image';
import { encodeNpz, readNpz } from '@tokenset/tensor-io';
import { MetricError } from './errors.js';
import { FeatureStatistics, type Statistics } from './feature-statistics.js';
import {
  batchCount,
  batchRange,
  checkShard,
  FID_PROTOCOL,
  type FidPlan,
  featureFileName,
  imageFileName,
  imageLabel,
  imageSeed,
  type Shard,
  shardBatches,
  validatePlan,
} from './fid-plan.js';
import { frechetDistance } from './frechet-distance.js';
import { type InceptionScore, inceptionScore } from './inception-score.js';
import { INCEPTION_LOGITS_DIM, INCEPTION_POOL_DIM } from './inception-sizes.js';
import { loadStatistics, statisticsArrays } from './statistics-file.js';

/** What `run.json` records: everything that decides the images. */
export interface RunManifest {
  /** Which image is which. */
  plan: FidPlan;
  /** The sampler's settings (any JSON value; e.g. fsdd's `SamplerSettings`): every shard must agree. */
  sampler: unknown;
  /** Side of the square images. */
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

/** Paths of a run folder: `run.json`, `images/`, `features/`, `statistics.npz`, `results.json`. */
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
    throw new MetricError(
      `${path}: expected a readable run file, got invalid JSON (delete it to start over)`,
    );
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
    throw new MetricError(
      `${dir} was started with other settings: ${differences.join(', ')}: use the same settings or a new folder`,
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
    if (pool.data.length !== rows * INCEPTION_POOL_DIM || logits.data.length !== rows * INCEPTION_LOGITS_DIM)
      return undefined;
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
    if (!(await isCompleteImage(join(paths.images, imageFileName(plan, i)), size, size))) missing.push(i);
  }
  const featuresDone =
    (await readBatchFeatures(join(paths.features, featureFileName(plan, batch)), end - start)) !== undefined;
  return { batch, missing, featuresDone };
}

/** Progress of {@link sampleFid}, one event type per stage, keyed by `status`. */
export type SampleFidProgress =
  | {
      status: 'shard';
      /** The shard being run. */
      shard: Shard;
      /** Its images `[first, end)`. */
      first: number;
      end: number;
      /** Images found done before this run. */
      skipped: number;
    }
  | {
      status: 'batch';
      /** The batch just finished. */
      batch: number;
      /** Images of the shard done so far (skipped ones included). */
      done: number;
      /** Images of the shard. */
      total: number;
    };

/** Options of {@link sampleFid}. */
export interface SampleFidOptions {
  /** Which image is which (default {@link FID_PROTOCOL}: 1000 classes × 50, seed 0, batches of 25). */
  plan?: FidPlan;
  /** The sampler settings recorded in `run.json` (any JSON value); all shards must agree. */
  sampler: unknown;
  /** Side of the square images the models make. */
  imageSize: number;
  /** The part to run (default all of it: `{ index: 0, count: 1 }`). */
  shard?: Shard;
  /** The generator and the feature extractor. */
  models: RunModels;
  /** Called as the shard advances. */
  onProgress?: (event: SampleFidProgress) => void;
}

/** What {@link sampleFid} did. */
export interface ShardReport {
  /** Images of the shard. */
  images: number;
  /** Images found done before this run. */
  skipped: number;
  /** Images generated now. */
  generated: number;
  /** Batches whose features were computed now. */
  featureBatches: number;
  /** Batches of the whole plan still missing (other shards' work); 0 when the run is complete. */
  missingBatches: number;
}

/**
 * The FID protocol's sampling, sharded and resumable: generates the images of one shard of the plan
 * that are not on disk yet (image i: class `floor(i / perClass)`, seed `seed + i`, in the batch the
 * plan puts it in), stores them as PNGs and their InceptionV3 features batch by batch in `dir`.
 * Shards can run at once, anywhere, into the same folder; an interrupted shard resumes where it
 * stopped. When every batch is done, {@link finishFidRun} merges them into statistics bit-identical
 * to one unsharded run.
 *
 * @param dir - the run folder (created if needed; `run.json` records the plan and settings).
 * @param options - plan, settings, shard and models.
 * @returns what was done, and how many batches of the plan remain.
 * @throws {@link MetricError} when `dir` holds a run with other settings.
 *
 * @example
 * ```ts
 * const models = { generate: (labels, seeds) => myImages(labels, seeds), features: (x, n, s) => inception.features(x, { n, height: s, width: s }) };
 * await sampleFid('fid-run', { sampler: settings, imageSize: 256, shard: { index: 0, count: 2 }, models });
 * await sampleFid('fid-run', { sampler: settings, imageSize: 256, shard: { index: 1, count: 2 }, models });
 * const results = await finishFidRun('fid-run', { reference: 'adm_in256_stats.npz' });
 * ```
 */
export async function sampleFid(dir: string, options: SampleFidOptions): Promise<ShardReport> {
  if (typeof dir !== 'string') throw new TypeError(`dir: expected a folder path, got ${typeof dir}`);
  const plan = validatePlan(options.plan ?? FID_PROTOCOL);
  const shard = checkShard(options.shard ?? { index: 0, count: 1 });
  const size = options.imageSize;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`imageSize: expected a positive integer, got ${size}`);
  const { models } = options;
  if (typeof models?.generate !== 'function' || typeof models.features !== 'function') {
    throw new TypeError('models: expected { generate(labels, seeds), features(images, n, size) }');
  }
  const manifest: RunManifest = { plan, sampler: options.sampler, imageSize: size };
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
    if (state.missing.length === 0) skipped += e - s;
    if (state.missing.length > 0 || !state.featuresDone) states.push(state);
  }
  options.onProgress?.({
    status: 'shard',
    shard,
    first: batchRange(plan, first)[0],
    end: first < end ? batchRange(plan, end - 1)[1] : batchRange(plan, first)[0],
    skipped,
  });
  let generated = 0;
  let featureBatches = 0;
  let done = skipped;
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
      done += n;
    } else {
      pixels = new Uint8Array(n * size * size * 3);
      for (let i = start; i < stop; i++) {
        pixels.set(
          (await readRgbImage(join(paths.images, imageFileName(plan, i)))).data,
          (i - start) * size * size * 3,
        );
      }
    }
    if (!state.featuresDone) {
      const { pool, logits } = await models.features(pixels, n, size);
      const bytes = encodeNpz({
        pool: { dtype: 'float32', shape: [n, INCEPTION_POOL_DIM], data: pool },
        logits: { dtype: 'float32', shape: [n, INCEPTION_LOGITS_DIM], data: logits },
      });
      await writeFileAtomic(join(paths.features, featureFileName(plan, state.batch)), bytes);
      featureBatches++;
    }
    options.onProgress?.({ status: 'batch', batch: state.batch, done, total: images });
  }
  const missing = (await missingBatches(dir, plan)).length;
  return { images, skipped, generated, featureBatches, missingBatches: missing };
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

/**
 * The `run.json` of a run folder, or undefined when `dir` is not a run folder (no such file).
 *
 * @throws {@link MetricError} when the file exists but is not a run file.
 */
export async function readRunManifest(dir: string): Promise<RunManifest | undefined> {
  let text: string;
  try {
    text = await readFile(runPaths(dir).manifest, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const manifest = JSON.parse(text) as RunManifest;
    validatePlan(manifest.plan);
    return manifest;
  } catch (error) {
    throw new MetricError(
      `${runPaths(dir).manifest}: expected a run file (plan, sampler, imageSize), got ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Statistics and logits of a complete run, merged from the batch files in plan order. */
export interface MergedRun {
  /** Streaming statistics of the pool features, accumulated batch by batch in plan order. */
  statistics: FeatureStatistics;
  /** Unbiased logits of every image, `[count·1008]`. */
  logits: Float32Array;
  /** Number of images. */
  count: number;
}

/**
 * Merges the feature files of every batch, in plan order. The sums are accumulated batch by batch
 * in the same order whatever the sharding, so the result is bit-identical to an unsharded run.
 *
 * @throws {@link MetricError} when a batch is missing.
 */
export async function mergeFidRun(dir: string, plan: FidPlan): Promise<MergedRun> {
  const total = batchRange(plan, batchCount(plan) - 1)[1];
  const statistics = new FeatureStatistics(INCEPTION_POOL_DIM);
  const logits = new Float32Array(total * INCEPTION_LOGITS_DIM);
  for (let b = 0; b < batchCount(plan); b++) {
    const [s, e] = batchRange(plan, b);
    const path = join(runPaths(dir).features, featureFileName(plan, b));
    const features = await readBatchFeatures(path, e - s);
    if (!features)
      throw new MetricError(
        `${path}: expected a complete feature file, got a missing or incomplete one: run the shard that holds batch ${b} again`,
      );
    statistics.add(features.pool);
    logits.set(features.logits, s * INCEPTION_LOGITS_DIM);
  }
  return { statistics, logits, count: total };
}

/** The numbers of a finished run (also written to `results.json`). */
export interface FidResults {
  /** Number of images. */
  images: number;
  /** FID against the reference, when one was given. */
  fid?: number;
  /** The reference statistics' path, when given as a path. */
  reference?: string;
  /** Inception Score. */
  inceptionScore: { mean: number; std: number; splits: number };
}

/**
 * Inception Score of a run's logits (torch-fidelity: 10 splits after a seeded shuffle). With fewer
 * images than splits (a quick check), one split per image.
 *
 * @param logits - unbiased logits `[n·1008]`.
 * @param requestedSplits - splits (default 10).
 */
export function runInceptionScore(logits: Float32Array, requestedSplits = 10): FidResults['inceptionScore'] {
  const splits = Math.min(requestedSplits, logits.length / INCEPTION_LOGITS_DIM);
  const score: InceptionScore = inceptionScore(logits, { classes: INCEPTION_LOGITS_DIM, splits });
  return { mean: score.mean, std: score.std, splits };
}

/** Options of {@link finishFidRun}. */
export interface FinishFidRunOptions {
  /** Reference statistics for the FID: a `.npz` path (`mu`, `sigma`) or loaded statistics. */
  reference?: string | Pick<Statistics, 'mu' | 'sigma'>;
  /** Inception Score splits (default 10). */
  splits?: number;
}

/**
 * Merges a complete run: writes `statistics.npz` (mu as float32, as torch-fidelity stores it, sigma,
 * and the float64 sums for later merges) and `results.json` (images, FID against `reference`,
 * Inception Score), and returns the results.
 *
 * @param dir - the run folder.
 * @param options - reference statistics and splits.
 * @throws {@link MetricError} when `dir` is not a run, or batches are still missing.
 */
export async function finishFidRun(dir: string, options: FinishFidRunOptions = {}): Promise<FidResults> {
  const manifest = await readRunManifest(dir);
  if (!manifest) throw new MetricError(`${dir}: expected a sample-fid run folder (with run.json), got none`);
  const missing = await missingBatches(dir, manifest.plan);
  if (missing.length > 0) {
    throw new MetricError(
      `${dir}: expected every batch done, got ${missing.length} missing (first: batch ${missing[0]}): finish every shard first`,
    );
  }
  const reference =
    typeof options.reference === 'string' ? await loadStatistics(options.reference) : options.reference;
  const merged = await mergeFidRun(dir, manifest.plan);
  const arrays = statisticsArrays(merged.statistics, { muDtype: 'float32' });
  await writeFileAtomic(runPaths(dir).statistics, encodeNpz(arrays));
  const results: FidResults = {
    images: merged.count,
    inceptionScore: runInceptionScore(merged.logits, options.splits ?? 10),
  };
  if (reference) {
    results.fid = frechetDistance(merged.statistics.statistics({ mu: 'float32' }), reference);
    if (typeof options.reference === 'string') results.reference = options.reference;
  }
  await writeFileAtomic(runPaths(dir).results, `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

import { IMAGE_EXTENSIONS, listImageFiles, type RgbImage, readRgbImage } from '@tokenset/image';
import { describe } from '@tokenset/tensor-io';
import { MetricError } from './errors.js';
import { FeatureStatistics, type Statistics } from './feature-statistics.js';
import { frechetDistance } from './frechet-distance.js';
import { type InceptionScore, inceptionScore } from './inception-score.js';
import type { InceptionFeatures } from './inception-v3.js';
import { loadStatistics } from './statistics-file.js';

/** What {@link evaluateFolder} needs from a feature extractor (an `InceptionV3`, or a fake in tests). */
export interface FeatureExtractor {
  features(
    images: Uint8Array,
    shape: { n: number; height: number; width: number; layout?: 'nhwc' },
  ): Promise<InceptionFeatures>;
}

/** Progress of {@link evaluateFolder}, one event type per stage, keyed by `status`. */
export type EvaluateProgress =
  | { status: 'listed'; total: number }
  | { status: 'features'; done: number; total: number; file: string }
  | { status: 'metrics' };

/** Options of {@link evaluateFolder}. */
export interface EvaluateFolderOptions {
  /** The InceptionV3 that computes features. */
  inception: FeatureExtractor;
  /** Reference statistics for FID: a `.npz` path (`mu`, `sigma`) or loaded statistics. */
  reference?: string | Pick<Statistics, 'mu' | 'sigma'>;
  /** Images per feature batch (consecutive images of one size); default 64 (torch-fidelity's). */
  batchSize?: number;
  /** Inception Score splits; default 10 (after torch-fidelity's seeded shuffle). */
  splits?: number;
  /**
   * File extensions to include; default every format TokenSet reads (`IMAGE_EXTENSIONS` of
   * @tokenset/image, the same list as the `tokenset fid` command). torch-fidelity's default is
   * png, jpg, jpeg: pass `['png', 'jpg', 'jpeg']` to select exactly its files.
   */
  extensions?: readonly string[];
  /** Called as the evaluation advances. */
  onProgress?: (event: EvaluateProgress) => void;
}

/** Results of {@link evaluateFolder}. */
export interface FolderEvaluation {
  /** The images, in the order they were evaluated (torch-fidelity's). */
  files: string[];
  /** Streaming statistics of the pool features (save them with `saveStatistics`). */
  statistics: FeatureStatistics;
  /** Unbiased logits of every image, `[files.length·1008]`. */
  logits: Float32Array;
  /** Inception Score (torch-fidelity's defaults). */
  inceptionScore: InceptionScore;
  /** FID against `reference`, when given. */
  fid?: number;
}

/**
 * FID and Inception Score of the images of a folder, computed as torch-fidelity does for
 * `fidelity --gpu 0 --fid --isc --input1 folder --input2 reference`: the files in its order,
 * batched, InceptionV3 pool features → `mu`/`sigma` → Fréchet distance against the reference
 * statistics; unbiased logits → Inception Score with 10 splits after `RandomState(2020)` shuffling.
 */
export async function evaluateFolder(
  folder: string,
  options: EvaluateFolderOptions,
): Promise<FolderEvaluation> {
  if (typeof options !== 'object' || options === null || typeof options.inception?.features !== 'function') {
    throw new TypeError(`options.inception: expected an InceptionV3, got ${describe(options?.inception)}`);
  }
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize: expected a positive integer, got ${batchSize}`);
  const reference =
    typeof options.reference === 'string' ? await loadStatistics(options.reference) : options.reference;
  const files = await listImageFiles(folder, { extensions: options.extensions ?? IMAGE_EXTENSIONS });
  if (files.length === 0) {
    throw new MetricError(
      `folder: expected image files (${(options.extensions ?? IMAGE_EXTENSIONS).join(', ')}) in '${folder}', got none`,
    );
  }
  const total = files.length;
  options.onProgress?.({ status: 'listed', total });
  let statistics: FeatureStatistics | undefined;
  let logits = new Float32Array(0);
  let classes = 0;
  let done = 0;
  let pending: RgbImage[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const { width, height } = pending[0];
    const per = width * height * 3;
    const batch = new Uint8Array(pending.length * per);
    for (const [i, img] of pending.entries()) batch.set(img.data, i * per);
    const out = await options.inception.features(batch, { n: pending.length, height, width, layout: 'nhwc' });
    // Dimensions come from the extractor (2048 and 1008 for InceptionV3).
    if (!statistics) {
      statistics = new FeatureStatistics(out.pool.length / pending.length);
      classes = out.logits.length / pending.length;
      logits = new Float32Array(total * classes);
    }
    statistics.add(out.pool);
    logits.set(out.logits, done * classes);
    done += pending.length;
    options.onProgress?.({ status: 'features', done, total, file: files[done - 1] });
    pending = [];
  };
  for (const file of files) {
    const image = await readRgbImage(file);
    if (pending.length > 0 && (image.width !== pending[0].width || image.height !== pending[0].height))
      await flush();
    pending.push(image);
    if (pending.length === batchSize) await flush();
  }
  await flush();
  options.onProgress?.({ status: 'metrics' });
  const accumulated = statistics as FeatureStatistics | undefined;
  if (!accumulated) throw new MetricError(`folder: expected features of ${total} images, got none`);
  const result: FolderEvaluation = {
    files,
    statistics: accumulated,
    logits,
    inceptionScore: inceptionScore(logits, { classes, splits: Math.min(options.splits ?? 10, total) }),
  };
  if (reference) {
    if (reference.mu.length !== accumulated.dim) {
      throw new MetricError(
        `reference: expected ${accumulated.dim}-dimensional statistics like the features (dimension mismatch), got ${reference.mu.length}`,
      );
    }
    result.fid = frechetDistance(accumulated.statistics(), reference);
  }
  return result;
}

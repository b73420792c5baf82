/**
 * The sampling plan of the FID protocol: which image is which, independent of how the work is split.
 *
 * Image `i` (0 ≤ i < classes·perClass) has class `floor(i / perClass)` and seed `seed + i`, so an
 * image is a function of its index and the settings only. Images are generated in batches on a fixed
 * grid (batch `b` holds images `b·batchSize …`), and a shard is a contiguous range of whole batches:
 * every image is generated in the same batch whether the run is split into shards or not, which keeps
 * sharded runs bit-identical to one unsharded run (the model's numerics and the reference sampler's
 * whole-batch fallback can depend on the batch's composition).
 */

/** The settings that decide which images a plan produces (the FID protocol's defaults: {@link FID_PROTOCOL}). */
export interface FidPlan {
  /** Number of classes sampled (the first `classes` labels: 0 … classes-1). Default 1000. */
  classes: number;
  /** Images per class. Default 50 (the 50,000-image protocol). */
  perClass: number;
  /** Base seed: image `i` uses seed `seed + i`. */
  seed: number;
  /** Images per batch on the fixed grid. */
  batchSize: number;
}

/** The paper's protocol: 50 images for each of the 1000 ImageNet classes, seeds from 0, batches of 25. */
export const FID_PROTOCOL: Readonly<FidPlan> = Object.freeze({
  classes: 1000,
  perClass: 50,
  seed: 0,
  batchSize: 25,
});

/** One shard of a run: `index` of `count` (0-based, like a Slurm array or Kubernetes indexed job). */
export interface Shard {
  index: number;
  count: number;
}

/** Number of images in the plan. */
export function imageCount(plan: FidPlan): number {
  return plan.classes * plan.perClass;
}

/** Number of batches on the plan's grid. */
export function batchCount(plan: FidPlan): number {
  return Math.ceil(imageCount(plan) / plan.batchSize);
}

/** Class label of image `index`. */
export function imageLabel(plan: FidPlan, index: number): number {
  return Math.floor(index / plan.perClass);
}

/** Seed of image `index`. */
export function imageSeed(plan: FidPlan, index: number): number {
  return plan.seed + index;
}

/** The image indices of batch `batch`: `[start, end)`. */
export function batchRange(plan: FidPlan, batch: number): [number, number] {
  const start = batch * plan.batchSize;
  return [start, Math.min(start + plan.batchSize, imageCount(plan))];
}

/** The batches of shard `shard`: `[first, end)`, contiguous and balanced to within one batch. */
export function shardBatches(plan: FidPlan, shard: Shard): [number, number] {
  const n = batchCount(plan);
  return [Math.floor((shard.index * n) / shard.count), Math.floor(((shard.index + 1) * n) / shard.count)];
}

/** File name of image `index` (zero-padded so that a plain listing is in index order). */
export function imageFileName(plan: FidPlan, index: number): string {
  const digits = Math.max(6, String(imageCount(plan) - 1).length);
  return `${String(index).padStart(digits, '0')}.png`;
}

/** File name of the features of batch `batch`, inside the run's `features/` folder. */
export function featureFileName(plan: FidPlan, batch: number): string {
  const digits = Math.max(5, String(batchCount(plan) - 1).length);
  return `batch-${String(batch).padStart(digits, '0')}.npz`;
}

/**
 * Parses a shard written `i/n` (0 ≤ i < n), as the command line's `--shard` takes it.
 *
 * @throws RangeError `shard: expected …` otherwise.
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(String(text).trim());
  if (!match) throw new RangeError(`shard: expected i/n such as 0/4, got ${JSON.stringify(text)}`);
  return checkShard({ index: Number(match[1]), count: Number(match[2]) });
}

/** Checks a shard (0 ≤ index < count); throws a RangeError `shard: …` otherwise. */
export function checkShard(shard: Shard): Shard {
  const { index, count } = shard ?? {};
  if (
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(count) ||
    count < 1 ||
    index < 0 ||
    index >= count
  ) {
    throw new RangeError(`shard: expected 0 <= index < count, got ${index}/${count}`);
  }
  return shard;
}

/**
 * Checks a plan's numbers (integers: classes, perClass, batchSize ≥ 1; seed in [0, 2³² − 1]).
 *
 * @throws RangeError naming the field (`perClass: expected …`).
 */
export function validatePlan(plan: FidPlan): FidPlan {
  const check = (name: keyof FidPlan, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const value = plan[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${value}`);
    }
  };
  check('classes', 1);
  check('perClass', 1);
  check('seed', 0, 2 ** 32 - 1);
  check('batchSize', 1);
  return plan;
}

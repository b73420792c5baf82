/**
 * Nested checkpoints, as training scripts write them: `torch.save({"model": sd, "ema": sd,
 * "args": args}, path)` — dicts of state dicts beside plain Python values and an
 * `argparse.Namespace` (the layout of the released `fsdd_*.pth` files).
 */

import type { NdArray } from './dtype.js';

/** `argparse.Namespace(**attributes)`: how training scripts store their command-line settings. */
export class Namespace {
  constructor(
    /** The namespace's attributes, in the order they are written. */
    readonly attributes: Readonly<Record<string, CheckpointValue>>,
  ) {}
}

/**
 * A value in a checkpoint tree: a tensor, a Python scalar (`number` is written as an int when it is
 * an integer, else a float), a string, a bool, `None` (`null`), a list, a {@link Namespace}, a
 * `Map` (written as an `OrderedDict`, like a state dict) or a plain object (a `dict`).
 */
export type CheckpointValue =
  | NdArray
  | number
  | bigint
  | string
  | boolean
  | null
  | readonly CheckpointValue[]
  | Namespace
  | ReadonlyMap<string, CheckpointValue>
  | { readonly [key: string]: CheckpointValue };

/** Whether `value` is an {@link NdArray} (a typed array with a dtype and a shape). */
export function isNdArray(value: unknown): value is NdArray {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<NdArray>;
  return typeof v.dtype === 'string' && Array.isArray(v.shape) && ArrayBuffer.isView(v.data);
}

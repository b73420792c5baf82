import type { Checkpoint, Float32StateDict } from './checkpoint-types.js';
import { CheckpointError } from './errors.js';

const FLOATS = new Set(['float32', 'float16', 'bfloat16', 'float64']);

/**
 * Reads every floating-point tensor of a checkpoint (under `prefix`, which is removed from the
 * names) as float32: float16/bfloat16 widened exactly, float64 rounded to nearest. Tensors of other
 * dtypes (e.g. `num_batches_tracked`) are skipped. Tensors are read one at a time.
 *
 * @example
 * ```ts
 * const weights = await readFloat32StateDict(await readCheckpoint('dit.pth'), 'ema.');
 * ```
 */
export async function readFloat32StateDict(
  checkpoint: Checkpoint,
  prefix?: string,
): Promise<Float32StateDict> {
  if (typeof checkpoint !== 'object' || checkpoint === null || typeof checkpoint.tensors !== 'function') {
    throw new TypeError(`checkpoint: expected a Checkpoint from readCheckpoint, got ${checkpoint}`);
  }
  const out: Float32StateDict = new Map();
  const tensors = checkpoint.tensors(prefix);
  if (tensors.size === 0 && prefix) {
    throw new CheckpointError(
      `readFloat32StateDict: expected tensors under the prefix '${prefix}', found none`,
    );
  }
  for (const [name, tensor] of tensors) {
    if (!FLOATS.has(tensor.dtype)) continue;
    const data = await tensor.read({ widenHalf: true });
    out.set(name, {
      shape: [...tensor.shape],
      data: data instanceof Float32Array ? data : Float32Array.from(data as Float64Array),
    });
  }
  return out;
}

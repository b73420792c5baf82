import { describe } from '@tokenset/tensor-io';
import type { DiT1DConfig } from './config.js';

/** Checks one batch of model inputs and returns the batch size. */
export function checkInputs(
  config: Pick<DiT1DConfig, 'codebookSize' | 'numClasses' | 'countEmbeddings'>,
  counts: Int32Array,
  t: Float32Array,
  labels: Int32Array,
): number {
  if (!(counts instanceof Int32Array)) {
    throw new TypeError(
      `counts: expected an Int32Array [batch·${config.codebookSize}], got ${describe(counts)}`,
    );
  }
  if (!(t instanceof Float32Array))
    throw new TypeError(`t: expected a Float32Array [batch], got ${describe(t)}`);
  if (!(labels instanceof Int32Array))
    throw new TypeError(`labels: expected an Int32Array [batch], got ${describe(labels)}`);
  const batch = t.length;
  if (batch < 1) throw new RangeError('t: expected at least one row, got an empty array');
  if (labels.length !== batch)
    throw new RangeError(`labels: expected ${batch} values (one per row of t), got ${labels.length}`);
  const C = config.codebookSize;
  if (counts.length !== batch * C) {
    throw new RangeError(
      `counts: expected ${batch}·${C} = ${batch * C} values for ${batch} rows, got ${counts.length}`,
    );
  }
  const maxCount = config.countEmbeddings - 1;
  for (let i = 0; i < counts.length; i++) {
    const v = counts[i];
    if (v < 0 || v > maxCount) {
      throw new RangeError(
        `counts: expected values in [0, ${maxCount}], got ${v} at row ${Math.floor(i / C)}, entry ${i % C}`,
      );
    }
  }
  for (let i = 0; i < batch; i++) {
    if (!(t[i] >= 0 && t[i] <= 1))
      throw new RangeError(`t: expected values in [0, 1], got ${t[i]} at row ${i}`);
    const y = labels[i];
    if (y < 0 || y > config.numClasses) {
      throw new RangeError(
        `labels: expected values in [0, ${config.numClasses}] (${config.numClasses} = null label), got ${y} at row ${i}`,
      );
    }
  }
  return batch;
}

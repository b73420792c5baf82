import { selectLargest } from './argsort.js';
import { assertInteger, assertNumericArray, rowSizeOf } from './validate.js';

/** Reusable work buffers for {@link roundRowToSum} (one row of length C). */
export interface RoundWorkspace {
  /** Fractional parts, length ≥ C. */
  frac: Float64Array;
  /** Selected indices, length ≥ C. */
  order: Int32Array;
  /** Selection scratch, length ≥ C. */
  scratch: Float64Array;
}

/** Allocates the work buffers {@link roundRowToSum} needs for rows of length `length`. */
export function roundWorkspace(length: number): RoundWorkspace {
  return { frac: new Float64Array(length), order: new Int32Array(length), scratch: new Float64Array(length) };
}

/**
 * Largest-remainder rounding of one row in place of `out`: floor every value, then add 1 to the
 * `sum - Σfloor` entries with the largest fractional parts (ties: lower index first). As the
 * reference's `quantize_tensor` (flows.py): when the floors already exceed `sum`, nothing is added
 * and the row keeps the larger sum. No validation, no allocation; for hot loops.
 */
export function roundRowToSum(
  values: ArrayLike<number>,
  valuesOffset: number,
  length: number,
  sum: number,
  out: Int32Array,
  outOffset: number,
  work: RoundWorkspace,
): void {
  let floorSum = 0;
  const frac = work.frac;
  for (let c = 0; c < length; c++) {
    const v = values[valuesOffset + c];
    const f = Math.floor(v);
    // v - floor(v) is exact for float32 and float64 inputs: the fraction the reference computes.
    frac[c] = v - f;
    out[outOffset + c] = f;
    floorSum += f;
  }
  const residual = sum - floorSum;
  if (residual <= 0) return;
  if (residual >= length) {
    for (let c = 0; c < length; c++) out[outOffset + c] += 1;
    return;
  }
  const n = selectLargest(frac, 0, length, residual, work.order, work.scratch);
  for (let r = 0; r < n; r++) out[outOffset + work.order[r]] += 1;
}

/**
 * Rounds each row of `values` (batch rows, flat row-major) to integers that sum to `sum` by the
 * largest-remainder rule with stable ties — the reference's `quantize_tensor` (flows.py), used for
 * the initial noise and for the sampler's fallback. If a row's floors already exceed `sum` the row
 * is returned floored (the reference does the same).
 *
 * @param values - `[batch·C]` finite values (float32 values are treated exactly).
 * @param sum - the target sum of every row (M).
 * @param batch - number of rows (default 1).
 * @returns `Int32Array [batch·C]`.
 *
 * @example
 * ```ts
 * roundToSum(new Float32Array([0.2, 1.7, 0.6, 0.5]), 3); // Int32Array [0, 2, 1, 0]
 * ```
 */
export function roundToSum(values: Float32Array | Float64Array, sum: number, batch = 1): Int32Array {
  assertNumericArray('values', values);
  assertInteger('sum', sum, 0, 2 ** 31 - 1);
  const C = rowSizeOf('values', values.length, batch);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || Math.abs(v) >= 2 ** 31) {
      throw new RangeError(
        `values[${Math.floor(i / C)}, ${i % C}]: expected a finite value below 2^31 in magnitude, got ${v}`,
      );
    }
  }
  const out = new Int32Array(values.length);
  const work = roundWorkspace(C);
  for (let b = 0; b < batch; b++) roundRowToSum(values, b * C, C, sum, out, b * C, work);
  return out;
}

import type { NumericArray } from './validate.js';

const RUN = 16;

/**
 * Stable descending argsort of `values[offset .. offset+length)`: writes indices relative to
 * `offset` into `out` (length ≥ `length`), larger values first, and among equal values the lower
 * index first (the project's tie rule for the reference's `torch.sort(..., descending=True)`).
 * `scratch` (length ≥ `length`) is a work buffer; pass both to avoid allocation in hot loops.
 * Values must not be NaN.
 */
export function argsortDescending(
  values: NumericArray,
  offset = 0,
  length = values.length - offset,
  out: Int32Array = new Int32Array(length),
  scratch: Int32Array = new Int32Array(length),
): Int32Array {
  if (out.length < length || scratch.length < length) {
    throw new RangeError(`argsortDescending: expected buffers of length >= ${length}, got ${out.length}`);
  }
  // Insertion-sorted runs, then bottom-up merges: stable, O(n log n), no allocation.
  for (let start = 0; start < length; start += RUN) {
    const end = Math.min(start + RUN, length);
    for (let i = start; i < end; i++) {
      const v = values[offset + i];
      let j = i - 1;
      while (j >= start && values[offset + out[j]] < v) {
        out[j + 1] = out[j];
        j--;
      }
      out[j + 1] = i;
    }
  }
  let src = out;
  let dst = scratch;
  for (let width = RUN; width < length; width *= 2) {
    for (let lo = 0; lo < length; lo += 2 * width) {
      const mid = Math.min(lo + width, length);
      const hi = Math.min(lo + 2 * width, length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // take from the right only when strictly larger: keeps equal values in index order
        if (values[offset + src[j]] > values[offset + src[i]]) dst[k++] = src[j++];
        else dst[k++] = src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    const swap = src;
    src = dst;
    dst = swap;
  }
  if (src !== out) out.set(src.subarray(0, length));
  return out;
}

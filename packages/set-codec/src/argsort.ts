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

/**
 * The set of the `count` first indices of the stable descending order of
 * `values[offset .. offset+length)` — the `count` largest values, ties taken by lower index — written
 * to `out[0..count)` in ascending index order, without sorting (3-way quickselect for the
 * threshold, then one pass). Same set as the first `count` entries of {@link argsortDescending}, in
 * O(length) on average. `scratch` (length ≥ `length`) is a work buffer. Values must not be NaN.
 * Returns the number of indices written (`min(count, length)`).
 */
export function selectLargest(
  values: NumericArray,
  offset: number,
  length: number,
  count: number,
  out: Int32Array,
  scratch: Float64Array,
): number {
  if (count <= 0) return 0;
  if (count >= length) {
    for (let i = 0; i < length; i++) out[i] = i;
    return length;
  }
  for (let i = 0; i < length; i++) scratch[i] = values[offset + i];
  // 3-way quickselect (descending) for the value at rank count-1
  const k = count - 1;
  let lo = 0;
  let hi = length - 1;
  while (lo < hi) {
    const a = scratch[lo];
    const b = scratch[(lo + hi) >>> 1];
    const c = scratch[hi];
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)); // median of three
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = scratch[i];
      if (v > pivot) {
        scratch[i++] = scratch[lt];
        scratch[lt++] = v;
      } else if (v < pivot) {
        scratch[i] = scratch[gt];
        scratch[gt--] = v;
      } else {
        i++;
      }
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else {
      lo = k;
      hi = k;
      scratch[k] = pivot;
    }
  }
  const threshold = scratch[k];
  let above = 0;
  for (let i = 0; i < length; i++) if (values[offset + i] > threshold) above++;
  let ties = count - above;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const v = values[offset + i];
    if (v > threshold) out[n++] = i;
    else if (v === threshold && ties > 0) {
      out[n++] = i;
      ties--;
    }
  }
  return n;
}

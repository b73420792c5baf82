import { assertNumericArray, type NumericArray, rowSizeOf } from './validate.js';

function pair(a: NumericArray, b: NumericArray, batch: number): number {
  assertNumericArray('a', a);
  assertNumericArray('b', b);
  const C = rowSizeOf('a', a.length, batch);
  rowSizeOf('b', b.length, batch, C);
  return C;
}

/**
 * Multiset intersection of count vectors: the entry-wise minimum (`[batch·C]` each).
 *
 * @example
 * ```ts
 * intersectionCounts(new Int32Array([2, 1, 0]), new Int32Array([1, 1, 1])); // [1, 1, 0]
 * ```
 */
export function intersectionCounts(a: NumericArray, b: NumericArray, batch = 1): Int32Array {
  pair(a, b, batch);
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.min(a[i], b[i]);
  return out;
}

/** Multiset union of count vectors: the entry-wise maximum (`[batch·C]` each). */
export function unionCounts(a: NumericArray, b: NumericArray, batch = 1): Int32Array {
  pair(a, b, batch);
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.max(a[i], b[i]);
  return out;
}

/**
 * Size of the multiset intersection per row: how many tokens two sets share, counting
 * multiplicity (`Σ min(a, b)`). For two sets of M tokens, `overlap / M` is the fraction of tokens kept —
 * the paper's robustness measure.
 */
export function overlap(a: NumericArray, b: NumericArray, batch = 1): Int32Array {
  const C = pair(a, b, batch);
  const out = new Int32Array(batch);
  for (let r = 0; r < batch; r++) {
    let s = 0;
    for (let c = r * C; c < (r + 1) * C; c++) s += Math.min(a[c], b[c]);
    out[r] = s;
  }
  return out;
}

/**
 * Multiset Jaccard similarity per row: `Σ min(a, b) / Σ max(a, b)` (1 for two empty rows).
 *
 * @example
 * ```ts
 * jaccard(new Int32Array([2, 1, 0]), new Int32Array([1, 1, 1])); // Float64Array [0.5]
 * ```
 */
export function jaccard(a: NumericArray, b: NumericArray, batch = 1): Float64Array {
  const C = pair(a, b, batch);
  const out = new Float64Array(batch);
  for (let r = 0; r < batch; r++) {
    let lo = 0;
    let hi = 0;
    for (let c = r * C; c < (r + 1) * C; c++) {
      lo += Math.min(a[c], b[c]);
      hi += Math.max(a[c], b[c]);
    }
    out[r] = hi === 0 ? 1 : lo / hi;
  }
  return out;
}

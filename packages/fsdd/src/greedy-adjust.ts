import { assertInteger, describeValue, selectLargest } from '@tokenset/set-codec';
import { f32 } from './float32.js';

/** Which greedy adjustment: the reference's single pass, or repeated passes that always reach the sum. */
export type AdjustMode = 'reference' | 'exact';

/** Valid {@link AdjustMode}s. */
export const ADJUST_MODES: readonly AdjustMode[] = ['reference', 'exact'];

/** Reusable buffers for adjusting rows of length C. */
export interface AdjustWork {
  keys: Float64Array;
  order: Int32Array;
  scratch: Float64Array;
}

/** Allocates {@link AdjustWork} for rows of C entries. */
export function adjustWork(codebookSize: number): AdjustWork {
  return {
    keys: new Float64Array(codebookSize),
    order: new Int32Array(codebookSize),
    scratch: new Float64Array(codebookSize),
  };
}

/**
 * Probability lookup of the distributions behind one row: dense (`probs[o + c·K + k]`) or, for a
 * discretised Gaussian, dense values that are only valid inside a window `[lo[c], hi[c]]` (zero
 * outside). Plain data, so the hot loops need no closures.
 */
export interface RowProbs {
  probs: Float32Array;
  offset: number;
  /** K: values per entry. */
  classes: number;
  lo?: Int32Array;
  hi?: Int32Array;
}

function probAt(p: RowProbs, c: number, k: number): number {
  if (p.lo !== undefined && (k < p.lo[c] || k > p.hi![c])) return 0;
  return p.probs[p.offset + c * p.classes + k];
}

/**
 * Fills `keys` with the gain in probability of moving each entry one unit in `direction`
 * (float32 difference, as the reference); impossible moves get -∞. Returns the number of possible moves.
 */
function gains(
  z: Int32Array,
  zo: number,
  C: number,
  p: RowProbs,
  direction: 1 | -1,
  keys: Float64Array,
): number {
  const K = p.classes;
  let valid = 0;
  for (let c = 0; c < C; c++) {
    const zc = z[zo + c];
    const target = zc + direction;
    if (target >= 0 && target <= K - 1) {
      keys[c] = f32(probAt(p, c, target) - probAt(p, c, zc));
      valid++;
    } else {
      keys[c] = Number.NEGATIVE_INFINITY;
    }
  }
  return valid;
}

/**
 * Greedy adjustment of one row of counts towards `target` in place (see {@link greedyAdjust}).
 * Returns the row's sum afterwards. No validation, no allocation.
 */
export function adjustRow(
  z: Int32Array,
  zo: number,
  C: number,
  p: RowProbs,
  target: number,
  mode: AdjustMode,
  work: AdjustWork,
): number {
  const K = p.classes;
  let sum = 0;
  for (let c = 0; c < C; c++) sum += z[zo + c];
  if (mode === 'reference') {
    // flows.py greedy_adjust: one pass, at most one unit per entry, even where the move is
    // impossible (a zero decremented, a K-1 incremented), then a clamp to [0, K-1].
    const need = target - sum;
    if (need !== 0) {
      const direction = need > 0 ? 1 : -1;
      gains(z, zo, C, p, direction, work.keys);
      // the first |need| entries of the stable descending order of the gains (as a set)
      const moves = selectLargest(work.keys, 0, C, Math.abs(need), work.order, work.scratch);
      for (let r = 0; r < moves; r++) z[zo + work.order[r]] += direction;
    }
    sum = 0;
    for (let c = 0; c < C; c++) {
      const v = z[zo + c];
      const clamped = v < 0 ? 0 : Math.min(v, K - 1);
      z[zo + c] = clamped;
      sum += clamped;
    }
    return sum;
  }
  // exact: repeat passes of possible moves only, best gains first, until the sum is reached.
  for (let c = 0; c < C; c++) {
    const v = z[zo + c];
    if (v < 0 || v > K - 1) {
      sum += (v < 0 ? 0 : K - 1) - v;
      z[zo + c] = v < 0 ? 0 : K - 1;
    }
  }
  while (sum !== target) {
    const need = target - sum;
    const direction = need > 0 ? 1 : -1;
    const valid = gains(z, zo, C, p, direction, work.keys);
    if (valid === 0) break;
    const moves = selectLargest(work.keys, 0, C, Math.min(Math.abs(need), valid), work.order, work.scratch);
    for (let r = 0; r < moves; r++) z[zo + work.order[r]] += direction;
    sum += direction * moves;
  }
  return sum;
}

/** Options of {@link greedyAdjust}. */
export interface GreedyAdjustOptions {
  /** Number of rows (default 1). */
  batch?: number;
  /**
   * `'reference'` (default): flows.py `greedy_adjust`, a single pass that moves at most one unit per
   * entry and can miss the target. `'exact'`: repeated passes that always reach the target.
   */
  mode?: AdjustMode;
}

/**
 * Greedy adjustment of drawn counts to a fixed sum (flows.py `greedy_adjust`). For a row whose sum
 * is below `target`, the entries whose count gains the most probability by +1 (stable ties: lower
 * index first) are incremented; above `target`, those that gain the most by -1 are decremented.
 * The reference makes one pass (at most one unit per entry, even impossible moves, then clamps to
 * [0, K-1]); `mode: 'exact'` repeats passes of possible moves until every row sums to `target`.
 *
 * @param z - `Int32Array [B·C]` counts in [0, K-1] (not modified).
 * @param probs - `Float32Array [B·C·K]` the distributions the counts were drawn from.
 * @param target - the fixed sum M.
 * @returns a new `Int32Array [B·C]`.
 *
 * @example
 * ```ts
 * const adjusted = greedyAdjust(x0, probs, 128, { batch: 2, mode: 'exact' });
 * ```
 */
export function greedyAdjust(
  z: Int32Array,
  probs: Float32Array,
  target: number,
  options: GreedyAdjustOptions = {},
): Int32Array {
  if (!(z instanceof Int32Array)) throw new TypeError(`z: expected an Int32Array, got ${describeValue(z)}`);
  if (!(probs instanceof Float32Array)) {
    throw new TypeError(`probs: expected a Float32Array, got ${describeValue(probs)}`);
  }
  const batch = assertInteger('batch', options.batch ?? 1, 1);
  const mode = options.mode ?? 'reference';
  if (!ADJUST_MODES.includes(mode)) {
    throw new RangeError(`mode: expected one of ${ADJUST_MODES.join(', ')}, got ${String(mode)}`);
  }
  if (z.length === 0 || z.length % batch !== 0) {
    throw new RangeError(
      `z: expected a length that is a positive multiple of batch ${batch}, got ${z.length}`,
    );
  }
  const C = z.length / batch;
  if (probs.length === 0 || probs.length % z.length !== 0) {
    throw new RangeError(`probs: expected length ${z.length}·K (K values per entry), got ${probs.length}`);
  }
  const K = probs.length / z.length;
  assertInteger('target', target, 0, C * (K - 1));
  for (let i = 0; i < z.length; i++) {
    const v = z[i];
    if (v < 0 || v > K - 1) {
      throw new RangeError(`z[${Math.floor(i / C)}, ${i % C}]: expected a count in [0, ${K - 1}], got ${v}`);
    }
  }
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i] >= 0) || probs[i] === Number.POSITIVE_INFINITY) {
      throw new RangeError(`probs[${i}]: expected a finite non-negative probability, got ${probs[i]}`);
    }
  }
  const out = Int32Array.from(z);
  const work = adjustWork(C);
  for (let b = 0; b < batch; b++) {
    adjustRow(out, b * C, C, { probs, offset: b * C * K, classes: K }, target, mode, work);
  }
  return out;
}

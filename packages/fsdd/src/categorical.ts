// Per-position categorical draws by inverse CDF, with the reference's top-p / top-k filters.
// These kernels work on one distribution of K values at `probs[o .. o+K)`, allocate nothing and
// return -1 when the distribution is invalid (NaN, negative, infinite or all zero): the point where
// `torch.multinomial` raises in the reference. Callers turn -1 into an error with context.
// Parameters that are doubles (p, the uniform) travel in `FilterWork` / a uniforms buffer rather
// than as arguments: V8 boxes double arguments of calls it does not inline, which would allocate
// per entry.
import { argsortDescending } from '@tokenset/set-codec';
import { f32 } from './float32.js';

/** Selection passes before a full sort is cheaper. */
const SELECT_LIMIT = 8;

/** Largest running nucleus kept by insertion before the bucket path (a flat distribution) takes over. */
const LIST_LIMIT = 32;

/**
 * Values seen before the nucleus decides a distribution is flat (its first FLAT_PROBE positive values
 * hold less than a quarter of p) and takes the bucket path instead of growing the list.
 */
const FLAT_PROBE = 16;

/** Buckets of the flat-distribution nucleus (values in [0, largest] cut into equal widths). */
const BUCKETS = 64;

/** Reusable buffers for the filtered draws (one distribution of K values). */
export interface FilterWork {
  /** Kept indices, in filter order then index order. */
  kept: Int32Array;
  /** Whether `kept` is already in index order (the flat-distribution nucleus writes it so). */
  indexOrder: boolean;
  /** The values of the kept indices while the nucleus is built. */
  keptValues: Float64Array;
  /** Normalised weights of the kept indices. */
  weights: Float64Array;
  /** Their float64 sum in index order (set by `normaliseKept`, read by `drawKept`). */
  total: number;
  /** Sort order of a whole distribution. */
  order: Int32Array;
  /** Sort scratch. */
  scratch: Int32Array;
  /** One bit per value: orders the kept indices by index without sorting. */
  mask: Int32Array;
  /** The flat-distribution nucleus: each value's bucket, each bucket's size and mass. */
  bucketOf: Int32Array;
  bucketCount: Int32Array;
  bucketMass: Float64Array;
  /** The top-p threshold as float32 (set by the caller before `nucleus`). */
  p: number;
  /** k of the top-k filter (set by the caller before `topKIndices`). */
  k: number;
}

/** Allocates {@link FilterWork} for distributions of `k` values. */
export function filterWork(k: number): FilterWork {
  return {
    kept: new Int32Array(k),
    indexOrder: false,
    weights: new Float64Array(k),
    total: 0,
    order: new Int32Array(k),
    scratch: new Int32Array(k),
    keptValues: new Float64Array(k),
    mask: new Int32Array(Math.ceil(k / 32)),
    bucketOf: new Int32Array(k),
    bucketCount: new Int32Array(BUCKETS),
    bucketMass: new Float64Array(BUCKETS),
    p: 0.5,
    k: 1,
  };
}

/**
 * Validates a distribution and returns the index of its first maximum, or -1 if any value is NaN,
 * negative or infinite.
 */
function firstMax(probs: ArrayLike<number>, o: number, K: number): number {
  let best = -1;
  let bestValue = -1;
  for (let k = 0; k < K; k++) {
    const v = probs[o + k];
    if (v > bestValue) {
      if (v < 0 || v === Number.POSITIVE_INFINITY) return -1;
      bestValue = v;
      best = k;
    } else if (!(v >= 0)) {
      return -1; // NaN or negative
    }
  }
  return best;
}

/** The next index after (prevValue, prevIndex) in stable descending order (value desc, index asc). */
function nextInOrder(
  probs: ArrayLike<number>,
  o: number,
  K: number,
  prevValue: number,
  prevIndex: number,
): number {
  let best = -1;
  let bestValue = -1;
  for (let k = 0; k < K; k++) {
    const v = probs[o + k];
    if ((v < prevValue || (v === prevValue && k > prevIndex)) && v > bestValue) {
      bestValue = v;
      best = k;
    }
  }
  return best;
}

/** Fills `work.kept[0..n)` with the first n indices of the stable descending order. */
function selectTop(
  probs: ArrayLike<number>,
  o: number,
  K: number,
  first: number,
  n: number,
  work: FilterWork,
): void {
  const kept = work.kept;
  kept[0] = first;
  if (n > SELECT_LIMIT) {
    argsortDescending(probs as Float32Array, o, K, work.order, work.scratch);
    for (let j = 0; j < n; j++) kept[j] = work.order[j];
    return;
  }
  for (let j = 1; j < n; j++) kept[j] = nextInOrder(probs, o, K, probs[o + kept[j - 1]], kept[j - 1]);
}

/**
 * Top-p nucleus of one distribution (flows.py `greedy_topp_or_topk_sample`): indices in stable
 * descending order while the float32 cumulative sum *before* them is ≤ p (the first is always kept).
 * PyTorch's CPU cumsum accumulates in double and stores float32, as here. Returns the number kept
 * (in `work.kept`: in that order, or in index order when `work.indexOrder` says so), or -1 if the
 * distribution is invalid. The threshold is `work.p` (float32).
 *
 * Partial selection in one pass instead of a sort: the largest values seen so far are kept in
 * order. Until their mass certainly exceeds p every positive value enters (phase 1); after that a
 * new value enters only if it is larger than the last of them (one comparison turns most values
 * away) and the last ones are dropped while the mass before them certainly exceeds p (phase 2).
 * The list then starts with the true nucleus, in order, and the reference's sequential sums over it
 * give the cut, bit for bit. A flat distribution, whose nucleus would make the list long, goes to
 * the bucket path instead (`bucketNucleus`).
 */
export function nucleus(probs: ArrayLike<number>, o: number, K: number, work: FilterWork): number {
  work.indexOrder = false;
  const p32 = work.p;
  const kept = work.kept;
  const values = work.keptValues;
  const pHigh = p32 * (1 + 2 ** -20);
  let n = 0;
  let mass = 0;
  let margin = 0;
  let gate = 0;
  let zeros = 0;
  let k = 0;
  // phase 1: every positive value enters, until the list's mass certainly passes p
  for (; k < K; k++) {
    const v = probs[o + k];
    if (!(v > 0)) {
      if (v === 0) {
        zeros++;
        continue;
      }
      return -1; // NaN or negative
    }
    if (v === Number.POSITIVE_INFINITY) return -1;
    n = insertDescending(kept, values, n, k, v);
    if (n > LIST_LIMIT) return bucketNucleus(probs, o, K, work);
    mass += v;
    // a flat distribution: its first values hold too little of p for a short nucleus
    if (n === FLAT_PROBE && mass * 4 < p32) return bucketNucleus(probs, o, K, work);
    margin = Math.max(margin, mass * 2 ** -36);
    if (mass > pHigh + margin) {
      const certainlyAbove = pHigh + margin;
      while (n > 1 && mass - values[n - 1] > certainlyAbove) mass -= values[--n];
      gate = values[n - 1];
      k++;
      break;
    }
  }
  // phase 2: a value enters only above the list's last; the tail leaves while the mass stays above p
  for (; k < K; k++) {
    const v = probs[o + k];
    if (v <= gate) {
      if (v < 0) return -1;
      zeros += v === 0 ? 1 : 0;
      continue;
    }
    if (!(v >= 0) || v === Number.POSITIVE_INFINITY) return -1;
    n = insertDescending(kept, values, n, k, v);
    if (n > LIST_LIMIT) return bucketNucleus(probs, o, K, work);
    mass += v;
    margin = Math.max(margin, mass * 2 ** -36);
    const certainlyAbove = pHigh + margin;
    while (n > 1 && mass - values[n - 1] > certainlyAbove) mass -= values[--n];
    gate = values[n - 1];
  }
  // the cut: the reference's sequential float64 sums in the stable order
  let cum = 0;
  let j = 0;
  for (; j < n; j++) {
    if (j > 0 && !(f32(cum) <= p32)) return j;
    cum += values[j];
  }
  // every positive value kept with mass ≤ p: the zeros follow, in index order (the sum stays)
  if (zeros > 0 && f32(cum) <= p32) for (let k = 0; k < K; k++) if (probs[o + k] === 0) kept[n++] = k;
  return n;
}

/** Zeroes the bit mask: a loop, because `fill()` costs more than the few words it has to clear. */
function clearMask(mask: Int32Array): void {
  for (let w = 0; w < mask.length; w++) mask[w] = 0;
}

/**
 * Inserts value v of index k into the list `values`/`kept[0..n)` (descending; after every value
 * ≥ v, so equal values keep index order); returns the new length.
 */
function insertDescending(kept: Int32Array, values: Float64Array, n: number, k: number, v: number): number {
  let q = n;
  while (q > 0 && values[q - 1] < v) {
    kept[q] = kept[q - 1];
    values[q] = values[q - 1];
    q--;
  }
  kept[q] = k;
  values[q] = v;
  return n + 1;
}

/**
 * The nucleus of a flat distribution (more than LIST_LIMIT values kept) without a full sort: the
 * values go into buckets by size (linear in the value, so a larger value never lands in a lower
 * bucket); whole buckets are kept from the top while their mass stays ≤ p, and only the bucket
 * where the cut falls is sorted. The reference's cut compares with p the float64 sum of the values
 * before each one; with every sum of the distribution's values exact in float64 that sum is the
 * same whatever the order of the additions, so bucket masses can stand in for it. Sums are exact
 * when each positive value is at least total·2^-27 (all values are then multiples of the smallest
 * one's ulp, and every sum stays below 2^53 of them). Zeros come last and are left out when the
 * total rounds above p. Otherwise, or when the bucket of the cut holds more than LIST_LIMIT values,
 * the full sort. Writes the kept indices in index order.
 */
function bucketNucleus(probs: ArrayLike<number>, o: number, K: number, work: FilterWork): number {
  const p32 = work.p;
  let total = 0;
  let smallest = Number.POSITIVE_INFINITY;
  let largest = 0;
  for (let k = 0; k < K; k++) {
    const v = probs[o + k];
    if (!(v > 0)) {
      if (v === 0) continue;
      return -1; // NaN or negative
    }
    if (v === Number.POSITIVE_INFINITY) return -1;
    total += v;
    if (v < smallest) smallest = v;
    if (v > largest) largest = v;
  }
  // zeros come after every positive value; with f32(total) > p they are all left out
  if (!(total <= smallest * 2 ** 27) || !(f32(total) > p32)) return sortedNucleus(probs, o, K, work);
  const { bucketOf, bucketCount, bucketMass } = work;
  const scale = (BUCKETS - 1) / largest;
  for (let b = 0; b < BUCKETS; b++) {
    bucketCount[b] = 0;
    bucketMass[b] = 0;
  }
  for (let k = 0; k < K; k++) {
    const v = probs[o + k];
    if (v === 0) {
      bucketOf[k] = -1;
      continue;
    }
    const b = (v * scale) | 0; // floor: v·scale is in [0, BUCKETS − 1]
    bucketOf[k] = b;
    bucketCount[b]++;
    bucketMass[b] += v;
  }
  // whole buckets from the top while the mass before the next one stays ≤ p (exact sums)
  let before = 0;
  let rank = 0;
  let b = BUCKETS - 1;
  while (before + bucketMass[b] <= p32) {
    before += bucketMass[b];
    rank += bucketCount[b--];
  }
  // from bucket b down, each bucket sorted (value descending, index ascending), one value at a time
  const values = work.keptValues;
  const members = work.kept; // each walked bucket's values in order; reused for the output below
  const mask = work.mask;
  clearMask(mask);
  for (; b >= 0; b--) {
    const n = bucketCount[b];
    if (n > LIST_LIMIT) return sortedNucleus(probs, o, K, work);
    let j = 0;
    for (let k = 0; j < n; k++)
      if (bucketOf[k] === b) j = insertDescending(members, values, j, k, probs[o + k]);
    for (j = 0; j < n; j++) {
      if (rank > 0 && f32(before) > p32) break;
      mask[members[j] >>> 5] |= 1 << (members[j] & 31);
      before += values[j];
      rank++;
    }
    if (j < n) break;
  }
  // kept: every value of a higher bucket, and the marked ones of the cut's bucket, in index order
  const kept = work.kept;
  let n = 0;
  for (let k = 0; k < K; k++) {
    if (bucketOf[k] > b || (bucketOf[k] === b && (mask[k >>> 5] & (1 << (k & 31))) !== 0)) kept[n++] = k;
  }
  work.indexOrder = true;
  return n;
}

/** The nucleus by a stable sort of the whole distribution (what the fast paths fall back on). */
function sortedNucleus(probs: ArrayLike<number>, o: number, K: number, work: FilterWork): number {
  const p32 = work.p;
  const order = argsortDescending(probs as Float32Array, o, K, work.order, work.scratch);
  const kept = work.kept;
  let cum = 0;
  let n = 0;
  while (n < K && (n === 0 || f32(cum) <= p32)) {
    const idx = order[n];
    kept[n++] = idx;
    cum += probs[o + idx];
  }
  return n;
}

/** Top-`work.k` of one distribution with stable ties; returns k (in `work.kept`) or -1 if invalid. */
export function topKIndices(probs: ArrayLike<number>, o: number, K: number, work: FilterWork): number {
  work.indexOrder = false;
  const first = firstMax(probs, o, K);
  if (first < 0) return -1;
  const k = work.k;
  selectTop(probs, o, K, first, k, work);
  return k;
}

/**
 * Renormalises the kept values as the reference does (float32 sum, float32 division), sorts the
 * kept indices ascending (the order `torch.multinomial` sees after the scatter) and stores the
 * weights. Returns false when the kept mass is zero.
 */
export function normaliseKept(probs: ArrayLike<number>, o: number, n: number, work: FilterWork): boolean {
  const kept = work.kept;
  let sum = 0;
  for (let j = 0; j < n; j++) sum += probs[o + kept[j]];
  const s = f32(sum);
  if (!(s > 0) || s === Number.POSITIVE_INFINITY) return false;
  if (!work.indexOrder) sortByIndex(n, work);
  const w = work.weights;
  let total = 0;
  for (let j = 0; j < n; j++) total += w[j] = f32(probs[o + kept[j]] / s);
  work.total = total;
  return true;
}

/** Sorts `work.kept[0..n)` ascending: insertion sort for a few, else through a bit mask. */
function sortByIndex(n: number, work: FilterWork): void {
  const kept = work.kept;
  if (n <= 16) {
    for (let i = 1; i < n; i++) {
      const v = kept[i];
      let j = i - 1;
      while (j >= 0 && kept[j] > v) {
        kept[j + 1] = kept[j];
        j--;
      }
      kept[j + 1] = v;
    }
    return;
  }
  const mask = work.mask;
  clearMask(mask);
  for (let j = 0; j < n; j++) mask[kept[j] >>> 5] |= 1 << (kept[j] & 31);
  let j = 0;
  for (let word = 0; word < mask.length; word++) {
    let bits = mask[word];
    while (bits !== 0) {
      const low = bits & -bits;
      kept[j++] = (word << 5) | (31 - Math.clz32(low));
      bits ^= low;
    }
  }
}

/**
 * Whether the inverse-CDF draw with the uniform `uniforms[ui]` from the top-p or top-k filtered
 * distribution certainly gives index 0, decided without the filter. Both filters keep the largest
 * value, so when value 0 is the largest (ties included: stable order puts index 0 first) it is kept
 * and comes first in index order, and the draw gives 0 when its renormalised weight w₀ exceeds
 * u·(sum of the kept weights). With S the sum of all values, w₀ ≥ (v₀/S)(1 − 2^-22) and the kept
 * weights sum to at most 1 + 2^-22 (float32 renormalisation), so `u·S·(1 + 2^-18) < v₀` settles it.
 * One pass that stops as soon as the answer is no; false whenever in doubt (the filter then runs
 * and reports invalid values). FSDD rows are mostly count 0 at high probability: most draws end here.
 */
export function drawsFirst(
  probs: ArrayLike<number>,
  o: number,
  K: number,
  uniforms: Float64Array,
  ui: number,
): boolean {
  const v0 = probs[o];
  if (!(v0 > 0) || v0 === Number.POSITIVE_INFINITY) return false;
  const limit = v0 / (uniforms[ui] * (1 + 2 ** -18)); // the sum of all values must stay below it
  let sum = v0;
  for (let k = 1; k < K; k++) {
    const v = probs[o + k];
    if (!(v >= 0) || v > v0) return false; // NaN, negative, or a larger value (infinity too)
    sum += v;
    if (sum >= limit) return false;
  }
  return true;
}

/**
 * Inverse-CDF draw with the uniform `uniforms[ui]` over sparse weights (`work.kept[0..n)`
 * ascending, `work.weights`, their sum `work.total`, as `normaliseKept` leaves them) in a
 * distribution of K values: the number of j with cdf[j] ≤ u·total (float64 sequential cdf),
 * clamped to K-1.
 */
export function drawKept(n: number, K: number, uniforms: Float64Array, ui: number, work: FilterWork): number {
  const u = uniforms[ui];
  const w = work.weights;
  const threshold = u * work.total;
  let cdf = 0;
  for (let j = 0; j < n; j++) {
    cdf += w[j];
    if (cdf > threshold) return work.kept[j];
  }
  return K - 1;
}

/**
 * Inverse-CDF draw with the uniform `uniforms[ui]` from an unfiltered distribution (`torch.multinomial` convention of the project):
 * float64 sequential cdf, index = #{j : cdf[j] ≤ u·total}, clamped to K-1. Returns -1 if invalid.
 */
export function drawFull(
  probs: ArrayLike<number>,
  o: number,
  K: number,
  uniforms: Float64Array,
  ui: number,
): number {
  const u = uniforms[ui];
  let total = 0;
  for (let k = 0; k < K; k++) {
    const v = probs[o + k];
    if (!(v >= 0) || v === Number.POSITIVE_INFINITY) return -1;
    total += v;
  }
  if (!(total > 0)) return -1;
  const threshold = u * total;
  let cdf = 0;
  for (let k = 0; k < K; k++) {
    cdf += probs[o + k];
    if (cdf > threshold) return k;
  }
  return K - 1;
}

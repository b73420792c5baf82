/** The token orders of the reference demo: a set decodes to the same image in any order. */

/** A named permutation of a token sequence. */
export interface TokenOrder {
  /** Caption under the decoded image. */
  caption: string;
  /** The tokens in this order. */
  tokens: Int32Array;
}

/** A small seeded generator (mulberry32) for the shuffled order: the same seed, the same shuffle. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The orders the reference demo decodes: as encoded, reversed, shuffled (Fisher–Yates with `seed`),
 * ascending and descending.
 */
export function tokenOrders(tokens: Int32Array, seed = 0): TokenOrder[] {
  const shuffled = tokens.slice();
  const random = mulberry32(seed);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const ascending = tokens.slice().sort();
  return [
    { caption: 'as encoded', tokens: tokens.slice() },
    { caption: 'reversed', tokens: tokens.slice().reverse() },
    { caption: 'shuffled', tokens: shuffled },
    { caption: 'ascending', tokens: ascending },
    { caption: 'descending', tokens: ascending.slice().reverse() },
  ];
}

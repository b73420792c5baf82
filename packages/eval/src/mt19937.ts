const N = 624;
const M = 397;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;
const MATRIX_A = 0x9908b0df;

/**
 * The Mersenne Twister MT19937 as NumPy's legacy `RandomState` runs it: seeded from a 32-bit
 * integer with `init_genrand` (`mt19937_seed` in NumPy), producing 32-bit outputs.
 */
export class MT19937 {
  private readonly state = new Uint32Array(N);
  private pos = N;

  /** Seeds like `numpy.random.RandomState(seed)` with an integer seed in [0, 2^32). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed: expected an integer in [0, 2^32), got ${seed}`);
    }
    const s = this.state;
    s[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = s[i - 1] ^ (s[i - 1] >>> 30);
      // 1812433253 * prev mod 2^32, split to stay exact in float64.
      s[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.pos = N;
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.state[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < N; i++) {
      const y = (s[i] & UPPER) | (s[(i + 1) % N] & LOWER);
      s[i] = s[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.pos = 0;
  }

  /**
   * A uniform integer in [0, max] by masked rejection, as NumPy's `random_interval` (used by the
   * legacy `shuffle`): the smallest all-ones mask covering `max`, redrawn while above `max`.
   * Supports `max < 2^32`.
   */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const value = (this.nextUint32() & mask) >>> 0;
      if (value <= max) return value;
    }
  }
}

/**
 * `numpy.random.RandomState(seed).permutation(n)`: `arange(n)` shuffled in place by NumPy's legacy
 * Fisher–Yates (for i = n-1 down to 1, swap i with `random_interval(i)`).
 */
export function numpyPermutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`n: expected a non-negative integer below 2^32, got ${n}`);
  }
  const rng = new MT19937(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.interval(i);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

import seedrandom from 'seedrandom';

/** A stream of uniforms in [0, 1). */
export type Uniform = () => number;

/**
 * A seeded stream of uniforms in [0, 1) (seedrandom's Alea generator: fast, 32-bit resolution).
 * The same seed always gives the same stream.
 */
export function seededUniform(seed: number | string): Uniform {
  return seedrandom.alea(String(seed));
}

/** Options that choose the random streams of a batch. */
export interface RandomOptions {
  /** One seed for the batch: row b gets the stream of seed `${seed}:${b}`. */
  seed?: number | string;
  /** One seed per row (takes precedence over `seed`): row b gets the stream of `seeds[b]`. */
  seeds?: readonly (number | string)[];
  /** Replaces the seeded streams (replays, tests): row b draws from `uniforms(b)`. Takes precedence. */
  uniforms?: (row: number) => Uniform;
}

/**
 * One stream per row, so a row's draws depend only on its own seed. Without any option a random
 * seed is chosen; the seeds used are returned so the run can be repeated.
 */
export function rowStreams(batch: number, options: RandomOptions): { streams: Uniform[]; seeds?: string[] } {
  if (options.uniforms !== undefined) {
    if (typeof options.uniforms !== 'function') {
      throw new TypeError(
        `uniforms: expected a function (row) => () => number, got ${typeof options.uniforms}`,
      );
    }
    return { streams: Array.from({ length: batch }, (_, b) => options.uniforms!(b)) };
  }
  let seeds: string[];
  if (options.seeds !== undefined) {
    if (!Array.isArray(options.seeds) || options.seeds.length !== batch) {
      throw new RangeError(
        `seeds: expected one seed per row (${batch}), got ${Array.isArray(options.seeds) ? options.seeds.length : typeof options.seeds}`,
      );
    }
    seeds = options.seeds.map(String);
  } else {
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (typeof seed !== 'number' && typeof seed !== 'string') {
      throw new TypeError(`seed: expected a number or string, got ${typeof seed}`);
    }
    seeds = Array.from({ length: batch }, (_, b) => `${seed}:${b}`);
  }
  return { streams: seeds.map(seededUniform), seeds };
}

import { roundRowToSum, roundWorkspace } from './round-to-sum.js';
import { assertInteger } from './validate.js';

/** Options of {@link setNoise}. */
export interface SetNoiseOptions {
  /** Codebook size C. */
  codebookSize: number;
  /** Set size M (number of distinct codes per row). */
  setSize: number;
  /** Number of rows (default 1). */
  batch?: number;
  /**
   * One stream of uniforms in [0, 1) for the whole batch, taken row-major like the reference's
   * `torch.rand(B, C)` (default `Math.random`).
   */
  random?: () => number;
  /** One stream per row instead (takes precedence over `random`): row `b` draws C uniforms from `rowRandom(b)`. */
  rowRandom?: (row: number) => () => number;
}

/**
 * Random set noise X1: per row, M distinct codes with count 1 each, drawn as the reference does
 * (flows.py/train.py/sample.py): C uniforms rounded to float32 (`torch.rand`) then rounded to the fixed
 * sum M by {@link roundToSum}, i.e. the M positions with the largest uniforms (ties: lower index).
 *
 * @returns `Int32Array [batch·C]` of 0/1 counts, each row summing to M.
 *
 * @example
 * ```ts
 * const noise = setNoise({ codebookSize: 4096, setSize: 128, batch: 2 });
 * ```
 */
export function setNoise(options: SetNoiseOptions): Int32Array {
  const C = assertInteger('codebookSize', options.codebookSize, 1, 2 ** 30);
  const M = assertInteger('setSize', options.setSize, 1, C);
  const batch = assertInteger('batch', options.batch ?? 1, 1);
  const out = new Int32Array(batch * C);
  const u = new Float32Array(C);
  const work = roundWorkspace(C);
  const random = options.random ?? Math.random;
  for (let b = 0; b < batch; b++) {
    const next = options.rowRandom ? options.rowRandom(b) : random;
    for (let c = 0; c < C; c++) u[c] = next();
    roundRowToSum(u, 0, C, M, out, b * C, work);
  }
  return out;
}

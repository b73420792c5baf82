import { f32 } from './float32.js';

/**
 * How σ shrinks over the steps (flows.py `FSDD.sample`):
 * - `{ kind: 'sigmoid', k, c }` or the reference's string `"sigmoid<k>_<c>"`: σ is multiplied by
 *   `sigmoid(-k((i+1)/N - c))` after step i of N (sample.py default `"sigmoid100_0.8"`);
 * - `{ kind: 'constant' }` or `'constant'`: no factor.
 */
export type SigmaSchedule = { kind: 'sigmoid'; k: number; c: number } | { kind: 'constant' } | string;

/** A parsed {@link SigmaSchedule}. */
export type ParsedSigmaSchedule = { kind: 'sigmoid'; k: number; c: number } | { kind: 'constant' };

/**
 * Parses a sigma schedule. Unlike the reference (which treats any string without "sigmoid" as
 * constant), unknown strings are an error.
 *
 * @example
 * ```ts
 * parseSigmaSchedule('sigmoid100_0.8'); // { kind: 'sigmoid', k: 100, c: 0.8 }
 * ```
 */
export function parseSigmaSchedule(schedule: SigmaSchedule): ParsedSigmaSchedule {
  if (typeof schedule === 'string') {
    if (schedule === 'constant') return { kind: 'constant' };
    const match = /^sigmoid([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)_([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)$/.exec(
      schedule,
    );
    if (match) return { kind: 'sigmoid', k: Number(match[1]), c: Number(match[2]) };
    throw new RangeError(
      `sigmaSchedule: expected "sigmoid<k>_<c>" (e.g. "sigmoid100_0.8") or "constant", got ${JSON.stringify(schedule)}`,
    );
  }
  if (schedule && typeof schedule === 'object') {
    if (schedule.kind === 'constant') return { kind: 'constant' };
    if (schedule.kind === 'sigmoid' && Number.isFinite(schedule.k) && Number.isFinite(schedule.c)) {
      return { kind: 'sigmoid', k: schedule.k, c: schedule.c };
    }
  }
  throw new RangeError(
    `sigmaSchedule: expected { kind: 'sigmoid', k, c }, { kind: 'constant' } or a string, got ${JSON.stringify(schedule)}`,
  );
}

/**
 * The float32 factor applied to σ after step `step` (0-based) of `steps`: `sigmoid(-k((step+1)/steps - c))`
 * (argument computed in double, then float32 as `torch.tensor` makes it; sigmoid in float32), or 1.
 */
export function sigmaFactor(schedule: ParsedSigmaSchedule, step: number, steps: number): number {
  if (schedule.kind === 'constant') return 1;
  const x = f32(-schedule.k * (((step + 1) * 1.0) / steps - schedule.c));
  return f32(1 / f32(1 + f32(Math.exp(-x))));
}

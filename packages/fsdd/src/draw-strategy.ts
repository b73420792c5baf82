import { assertInteger } from '@tokenset/set-codec';

/**
 * How a categorical value is drawn from a predicted distribution (flows.py `sample_prob`):
 * - `topP`: nucleus filter (keep the most probable values until the cumulative probability before
 *   them exceeds p), renormalise, draw; adjusted to the fixed sum only when t ≥ `adjustFrom`.
 * - `topK`: keep the k most probable values, renormalise, draw; adjusted only when t ≥ `adjustFrom`.
 * - `multinomial`: draw from the full distribution; always adjusted to the fixed sum.
 */
export type DrawStrategy =
  | { kind: 'topP'; p: number }
  | { kind: 'topK'; k: number }
  | { kind: 'multinomial' };

/** Valid `kind`s of a {@link DrawStrategy}. */
export const DRAW_KINDS = ['topP', 'topK', 'multinomial'] as const;

/** Checks a strategy and returns it; unknown kinds and bad parameters raise errors. */
export function checkStrategy(name: string, strategy: DrawStrategy, numClasses: number): DrawStrategy {
  if (strategy === null || typeof strategy !== 'object') {
    throw new TypeError(`${name}: expected a draw strategy object, got ${typeof strategy}`);
  }
  switch (strategy.kind) {
    case 'topP':
      if (typeof strategy.p !== 'number' || !(strategy.p > 0 && strategy.p <= 1)) {
        throw new RangeError(`${name}.p: expected a probability in (0, 1], got ${strategy.p}`);
      }
      return strategy;
    case 'topK':
      assertInteger(`${name}.k`, strategy.k, 1, numClasses);
      return strategy;
    case 'multinomial':
      return strategy;
    default:
      throw new RangeError(
        `${name}.kind: expected one of ${DRAW_KINDS.join(', ')}, got ${String((strategy as { kind: unknown }).kind)}`,
      );
  }
}

/**
 * Maps the reference's command-line options (`--sample_x0/--sample_xt`, `--top_k`, `--top_p`) to a
 * strategy the way flows.py `sample_prob` does: `'topp'` and `'topk'` both mean "top-k if
 * top_k ≥ 1, else top-p"; any other string (the reference's default spells it `'multimonial'`)
 * means a plain multinomial draw.
 *
 * @example
 * ```ts
 * strategyFromReference('topp', 0, 0.8); // { kind: 'topP', p: 0.8 }
 * strategyFromReference('multimonial', 0, 0.8); // { kind: 'multinomial' }
 * ```
 */
export function strategyFromReference(sampleType: string, topK = 0, topP = 0.8): DrawStrategy {
  if (sampleType === 'topp' || sampleType === 'topk') {
    return topK >= 1 ? { kind: 'topK', k: topK } : { kind: 'topP', p: topP };
  }
  return { kind: 'multinomial' };
}

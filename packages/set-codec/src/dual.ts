import { selectLargest } from './argsort.js';
import { SetCodecError } from './errors.js';
import { roundHalfEven } from './round-half-even.js';
import { assertInteger, assertNumericArray, type NumericArray, rowSizeOf } from './validate.js';

/**
 * The dual transformation, tokens → counts: each row of `M` token ids becomes a count vector of
 * length `codebookSize` (how many times each id occurs), as the reference training loop's
 * `scatter_add_` (train.py).
 *
 * @param tokens - `[batch·M]` integer ids in `[0, codebookSize)`.
 * @param codebookSize - C.
 * @param batch - number of rows (default 1).
 * @returns `Int32Array [batch·C]`, each row summing to M.
 *
 * @example
 * ```ts
 * countsFromTokens(new Int32Array([3, 1, 3]), 5); // Int32Array [0, 1, 0, 2, 0]
 * ```
 */
export function countsFromTokens(tokens: NumericArray, codebookSize: number, batch = 1): Int32Array {
  assertNumericArray('tokens', tokens);
  const C = assertInteger('codebookSize', codebookSize, 1, 2 ** 30);
  const M = rowSizeOf('tokens', tokens.length, batch);
  const counts = new Int32Array(batch * C);
  for (let i = 0; i < tokens.length; i++) {
    const v = tokens[i];
    if (!Number.isInteger(v) || v < 0 || v >= C) {
      throw new RangeError(
        `tokens[${Math.floor(i / M)}, ${i % M}]: expected an integer token id in [0, ${C}), got ${v}`,
      );
    }
    counts[Math.floor(i / M) * C + v] += 1;
  }
  return counts;
}

/**
 * The dual transformation, counts → tokens: each row of `C` counts becomes the sorted sequence of
 * `setSize` token ids, exactly as the reference's `counts_to_x2_with_fill` (sample.py):
 * entries below 1 are zeroed and the rest rounded (half to even); if the row then sums to less than
 * `setSize`, the shortfall is filled by adding 1 to the entries whose original value was below 1,
 * largest first (ties and remaining slots by lower index); if it sums to more, the sequence is
 * truncated to the first `setSize` (smallest) ids. For a valid count vector (integers summing to M)
 * this is the exact inverse of {@link countsFromTokens}.
 *
 * @param counts - `[batch·C]` finite counts (integers, or the reference's float counts).
 * @param setSize - M, the number of tokens per row.
 * @param batch - number of rows (default 1).
 * @returns `Int32Array [batch·M]`, each row sorted ascending.
 * @throws SetCodecError when a row cannot be filled up to M (only possible if M > C).
 *
 * @example
 * ```ts
 * tokensFromCounts(new Int32Array([0, 1, 0, 2, 0]), 3); // Int32Array [1, 3, 3]
 * ```
 */
export function tokensFromCounts(counts: NumericArray, setSize: number, batch = 1): Int32Array {
  assertNumericArray('counts', counts);
  const M = assertInteger('setSize', setSize, 1, 2 ** 30);
  const C = rowSizeOf('counts', counts.length, batch);
  for (let i = 0; i < counts.length; i++) {
    if (!Number.isFinite(counts[i])) {
      throw new RangeError(
        `counts[${Math.floor(i / C)}, ${i % C}]: expected a finite count, got ${counts[i]}`,
      );
    }
  }
  const tokens = new Int32Array(batch * M);
  const rounded = new Float64Array(C);
  const remains = new Float64Array(C);
  const order = new Int32Array(C);
  const scratch = new Float64Array(C);
  for (let b = 0; b < batch; b++) {
    const base = b * C;
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const v = counts[base + c];
      const r = v < 1 ? 0 : roundHalfEven(v);
      rounded[c] = r;
      sum += r;
      remains[c] = v >= 1 ? 0 : v;
    }
    const remaining = Math.max(0, M - sum);
    if (remaining > 0) {
      if (remaining > C && sum + C < M) {
        throw new SetCodecError(
          `counts row ${b}: expected counts that can be filled to ${M} tokens, got a sum of ${sum} over only ${C} entries`,
        );
      }
      const n = selectLargest(remains, 0, C, remaining, order, scratch);
      for (let r = 0; r < n; r++) rounded[order[r]] += 1;
    }
    // searchsorted(cumsum, p, right=True): the first id whose cumulative count exceeds p.
    let p = 0;
    let cum = 0;
    for (let c = 0; c < C && p < M; c++) {
      cum += rounded[c];
      while (p < M && cum > p) tokens[b * M + p++] = c;
    }
  }
  return tokens;
}

/** Any flat numeric array accepted by the codecs. */
export type NumericArray = Int32Array | Float32Array | Float64Array | Uint8Array | Int16Array | Uint16Array;

/** Describes `value` for error messages ("Float32Array(12)", "string", ...). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Uint8Array).length})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  return typeof value;
}

/** Throws `TypeError` unless `value` is a typed array of numbers (not BigInt). */
export function assertNumericArray(name: string, value: unknown): asserts value is NumericArray {
  if (
    !ArrayBuffer.isView(value) ||
    value instanceof DataView ||
    value instanceof BigInt64Array ||
    value instanceof BigUint64Array
  ) {
    throw new TypeError(`${name}: expected a numeric typed array, got ${describeValue(value)}`);
  }
}

/** Throws `RangeError` unless `value` is an integer in `[min, max]`. */
export function assertInteger(name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number')
    throw new TypeError(`${name}: expected a number, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/**
 * Checks that a flat batch has `batch` rows of `rowSize` and returns the row size.
 * With `rowSize` undefined, the row size is `length / batch` (which must divide evenly).
 */
export function rowSizeOf(name: string, length: number, batch: number, rowSize?: number): number {
  assertInteger('batch', batch, 1);
  if (rowSize === undefined) {
    if (length === 0 || length % batch !== 0) {
      throw new RangeError(
        `${name}: expected a length that is a positive multiple of batch ${batch}, got ${length}`,
      );
    }
    return length / batch;
  }
  if (length !== batch * rowSize) {
    throw new RangeError(`${name}: expected length ${batch}×${rowSize} = ${batch * rowSize}, got ${length}`);
  }
  return rowSize;
}

/** Options of {@link validateCounts}. */
export interface ValidateCountsOptions {
  /** Codebook size C: the length of one row. */
  codebookSize: number;
  /** Set size M: each entry must lie in [0, M]; with `requireSum` each row must sum to M. */
  setSize: number;
  /** Number of rows (default 1). */
  batch?: number;
  /** Require every row to sum to `setSize` (default true). */
  requireSum?: boolean;
}

/**
 * Validates count vectors: length `batch·C`, integer entries in [0, M] and (by default) row sums of M.
 * Throws `TypeError`/`RangeError` naming the first offending row and entry.
 */
export function validateCounts(counts: unknown, options: ValidateCountsOptions): void {
  assertNumericArray('counts', counts);
  const C = assertInteger('codebookSize', options.codebookSize, 1);
  const M = assertInteger('setSize', options.setSize, 1);
  const batch = options.batch ?? 1;
  rowSizeOf('counts', counts.length, batch, C);
  const requireSum = options.requireSum ?? true;
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const v = counts[b * C + c];
      if (!Number.isInteger(v) || v < 0 || v > M) {
        throw new RangeError(`counts[${b}, ${c}]: expected an integer count in [0, ${M}], got ${v}`);
      }
      sum += v;
    }
    if (requireSum && sum !== M) {
      throw new RangeError(`counts row ${b}: expected the counts to sum to ${M}, got ${sum}`);
    }
  }
}

/** Options of {@link validateTokens}. */
export interface ValidateTokensOptions {
  /** Codebook size C: every token must lie in [0, C). */
  codebookSize: number;
  /** Set size M: the length of one row (default: length / batch). */
  setSize?: number;
  /** Number of rows (default 1). */
  batch?: number;
}

/** Validates token sets: length `batch·M`, integer ids in [0, C). Throws naming the first bad entry. */
export function validateTokens(tokens: unknown, options: ValidateTokensOptions): void {
  assertNumericArray('tokens', tokens);
  const C = assertInteger('codebookSize', options.codebookSize, 1);
  const batch = options.batch ?? 1;
  const M = rowSizeOf('tokens', tokens.length, batch, options.setSize);
  for (let i = 0; i < tokens.length; i++) {
    const v = tokens[i];
    if (!Number.isInteger(v) || v < 0 || v >= C) {
      throw new RangeError(
        `tokens[${Math.floor(i / M)}, ${i % M}]: expected an integer token id in [0, ${C}), got ${v}`,
      );
    }
  }
}

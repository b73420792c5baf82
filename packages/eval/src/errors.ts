/**
 * The error class of `@tokenset/eval`: bad images, statistics files without the expected arrays,
 * mismatched feature dimensions. Wrong kinds of arguments raise `TypeError` and bad option values
 * `RangeError`, as everywhere in TokenSet.
 */
export class MetricError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricError';
  }
}

/**
 * Raised when data is well-typed but cannot be turned into a valid token set or count vector
 * (for example counts that cannot be filled up to the set size).
 */
export class SetCodecError extends Error {
  override name = 'SetCodecError';
}

/**
 * An image file that cannot be used: unreadable, undecodable, of a format TokenSet does not read,
 * or a folder without images. Wrong kinds of arguments raise `TypeError`, bad values `RangeError`.
 */
export class ImageError extends Error {
  override name = 'ImageError';
}

/** An image format TokenSet reads, and the file extensions that select it in a folder. */
export interface ImageFormat {
  /** The format's name as sharp (libvips) reports it. */
  readonly name: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff';
  /** Lower-case extensions without the dot. */
  readonly extensions: readonly string[];
}

/**
 * The one list of formats TokenSet reads (files and folders alike). BMP, which Pillow reads, is
 * not in it: sharp does not decode it, and such a file is refused with a message naming this list.
 * Animated GIF and WebP files give their first frame, as Pillow does.
 */
export const IMAGE_FORMATS: readonly ImageFormat[] = [
  { name: 'png', extensions: ['png'] },
  { name: 'jpeg', extensions: ['jpg', 'jpeg'] },
  { name: 'webp', extensions: ['webp'] },
  { name: 'gif', extensions: ['gif'] },
  { name: 'tiff', extensions: ['tif', 'tiff'] },
];

/** Every extension of {@link IMAGE_FORMATS}, lower case, without the dot. */
export const IMAGE_EXTENSIONS: readonly string[] = IMAGE_FORMATS.flatMap((f) => f.extensions);

/** The readable formats for messages: `PNG, JPEG, WebP, GIF or TIFF`. */
export const READABLE_FORMATS_TEXT = 'PNG, JPEG, WebP, GIF or TIFF';

/**
 * Whether a file name has the extension of a readable format (case-insensitive).
 *
 * @param name - a file name or path.
 */
export function isImageFileName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.includes(name.slice(dot + 1).toLowerCase());
}

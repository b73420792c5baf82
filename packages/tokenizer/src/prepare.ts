import { type RgbImage, readRgbImage } from '@tokenset/image';
import { centerCropArr } from './center-crop.js';

/**
 * Prepares an image for the tokenizer exactly as the reference does (`center_crop_arr` after
 * `Image.open(path).convert('RGB')`): decode if needed, BOX halvings, BICUBIC resize of the short
 * side to `size`, centre crop.
 *
 * @param input - a file path, an encoded file's bytes (PNG, JPEG, WebP), or a decoded image.
 * @param size - the output side length; the released tokenizer takes 256.
 * @returns the `size` × `size` RGB image, ready for {@link SetTokenizer.encode}.
 *
 * @example
 * ```ts
 * const image = await prepareImage('photo.jpg');
 * const tokens = await tokenizer.encode(image.data);
 * ```
 */
export async function prepareImage(input: string | Uint8Array | RgbImage, size = 256): Promise<RgbImage> {
  const image = typeof input === 'string' || input instanceof Uint8Array ? await readRgbImage(input) : input;
  return centerCropArr(image, size);
}

/**
 * The reference image preparation: `center_crop_arr` of the TokenSet training and demo scripts
 * (`train.py`, after ADM's `image_datasets.py`), on top of the Pillow-exact resampling.
 */

import { checkImage, type RgbImage } from '@tokenset/image';
import { roundHalfEven } from '@tokenset/set-codec';
import { resize } from './resample.js';

/**
 * Crops the centre `size` × `size` square exactly as the reference `center_crop_arr(image, size)`:
 * while the short side is at least `2·size`, halve the image (sizes floored) with Pillow's BOX
 * filter; then resize with Pillow's BICUBIC filter so the short side becomes `size` (both sides
 * `round(side · size / shortSide)`, ties to even as Python); then take the centre crop (offsets
 * floored). Pixel-identical to the reference with Pillow 9.4.
 *
 * @param image - the decoded RGB image.
 * @param size - the output side length (the tokenizer's 256).
 * @returns a new `size` × `size` image.
 *
 * @example
 * ```ts
 * const square = centerCropArr(await readImage('photo.jpg'), 256);
 * ```
 */
export function centerCropArr(image: RgbImage, size = 256): RgbImage {
  checkImage('image', image);
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size: expected a positive integer, got ${size}`);
  let current = image;
  while (Math.min(current.width, current.height) >= 2 * size) {
    current = resize(current, Math.floor(current.width / 2), Math.floor(current.height / 2), 'box');
  }
  const scale = size / Math.min(current.width, current.height);
  current = resize(
    current,
    roundHalfEven(current.width * scale),
    roundHalfEven(current.height * scale),
    'bicubic',
  );
  const cropY = Math.floor((current.height - size) / 2);
  const cropX = Math.floor((current.width - size) / 2);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const src = ((y + cropY) * current.width + cropX) * 3;
    out.set(current.data.subarray(src, src + size * 3), y * size * 3);
  }
  return { width: size, height: size, data: out };
}

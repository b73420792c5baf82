import { describe } from '@tokenset/tensor-io';

/**
 * An 8-bit RGB image in memory: `height` rows of `width` pixels, 3 interleaved bytes each (HWC),
 * the one image type of TokenSet (tokenizer input and output, Inception input, command-line files).
 */
export interface RgbImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `height · width · 3` bytes, row-major, R G B per pixel. */
  readonly data: Uint8Array;
}

/**
 * Throws unless `image` is a well-formed {@link RgbImage}: a `TypeError` for the wrong kind of value,
 * a `RangeError` for sizes that do not match.
 *
 * @param name - the argument's name, for the message.
 * @param image - the value to check.
 */
export function checkImage(name: string, image: RgbImage): void {
  if (image === null || typeof image !== 'object') {
    throw new TypeError(`${name}: expected an RgbImage {width, height, data}, got ${describe(image)}`);
  }
  if (!(image.data instanceof Uint8Array)) {
    throw new TypeError(`${name}.data: expected a Uint8Array, got ${describe(image.data)}`);
  }
  for (const key of ['width', 'height'] as const) {
    if (!Number.isInteger(image[key]) || image[key] < 1) {
      throw new RangeError(`${name}.${key}: expected a positive integer, got ${image[key]}`);
    }
  }
  const expected = image.width * image.height * 3;
  if (image.data.length !== expected) {
    throw new RangeError(
      `${name}.data: expected ${expected} bytes for ${image.width}x${image.height} RGB, got ${image.data.length}`,
    );
  }
}

/**
 * Image `index` of a batch `[B, height, width, 3]` as an {@link RgbImage} (a view, not a copy).
 *
 * @param batch - the batch's bytes.
 * @param index - which image.
 * @param height - image height.
 * @param width - image width (default `height`).
 */
export function batchImage(batch: Uint8Array, index: number, height: number, width = height): RgbImage {
  const n = height * width * 3;
  if (!Number.isInteger(index) || index < 0 || (index + 1) * n > batch.length) {
    throw new RangeError(
      `index: expected an image inside a batch of ${Math.floor(batch.length / n)}, got ${index}`,
    );
  }
  return { width, height, data: batch.subarray(index * n, (index + 1) * n) };
}

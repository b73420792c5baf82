/**
 * Decoding image files to {@link RgbImage} the way the reference reads them,
 * `PIL.Image.open(path).convert('RGB')`, through sharp (libvips).
 */

import { readFile } from 'node:fs/promises';
import { describe } from '@tokenset/tensor-io';
import sharp from 'sharp';
import { ImageError } from './errors.js';
import { IMAGE_FORMATS, READABLE_FORMATS_TEXT } from './formats.js';
import type { RgbImage } from './rgb-image.js';

/** What to do with an alpha channel (RGBA, grey + alpha, a palette with a transparent entry). */
export type AlphaMode = 'white' | 'refuse';

/** Options of {@link readRgbImage}. */
export interface ReadImageOptions {
  /**
   * `'white'` (default): composite on white, `round((c·a + 255·(255 − a)) / 255)`.
   * `'refuse'`: throw an {@link ImageError} naming the file.
   * Pillow's `convert('RGB')` drops alpha instead, which shows whatever colour transparent pixels
   * hold: we deliberately differ.
   */
  alpha?: AlphaMode;
}

/** `MULDIV255` of Pillow's Convert.c: `round(a·b / 255)` in integers. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/** Pillow's `cmyk2rgb` (Convert.c): no colour profile, `r = (255 − k) − c·(255 − k)/255`. */
function cmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const nk = 255 - cmyk[4 * i + 3];
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.max(0, nk - mulDiv255(cmyk[4 * i + c], nk));
  }
  return rgb;
}

/** Composites 8-bit RGBA on white (integer rounding, as tools/image/make_fixtures.py). */
function onWhite(rgba: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const a = rgba[4 * i + 3];
    for (let c = 0; c < 3; c++)
      rgb[3 * i + c] = Math.floor((rgba[4 * i + c] * a + 255 * (255 - a) + 127) / 255);
  }
  return rgb;
}

/**
 * Decodes an image file to 8-bit RGB as the reference's `Image.open(path).convert('RGB')` does, pixel
 * for pixel (tested against Pillow on every case below, see tools/image/make_fixtures.py):
 *
 * - greyscale is repeated into R, G and B; palette images are expanded;
 * - 16-bit samples keep their high byte (Pillow does so for 16-bit RGB; for 16-bit grey Pillow 9
 *   clips at 255, a white image: there we deliberately differ);
 * - CMYK JPEGs use Pillow's plain formula `(255 − k)(1 − c/255)`, not a colour profile;
 * - EXIF orientation is not applied (neither Pillow's `convert` nor the reference applies it);
 * - alpha is composited on white, or refused (`options.alpha`); Pillow drops it (the one
 *   deliberate difference for 8-bit files);
 * - animated GIF/WebP: the first frame.
 *
 * @param source - a file path, or the encoded file's bytes.
 * @param options - what to do with alpha.
 * @returns the decoded image.
 * @throws {@link ImageError} when the file cannot be read, is not one of {@link IMAGE_FORMATS}, or
 *   cannot be decoded.
 *
 * @example
 * ```ts
 * const image = await readRgbImage('photo.jpg'); // { width, height, data: Uint8Array (H·W·3) }
 * ```
 */
export async function readRgbImage(
  source: string | Uint8Array,
  options: ReadImageOptions = {},
): Promise<RgbImage> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new TypeError(`source: expected a file path or a Uint8Array, got ${describe(source)}`);
  }
  const alpha = options.alpha ?? 'white';
  if (alpha !== 'white' && alpha !== 'refuse') {
    throw new RangeError(`alpha: expected 'white' or 'refuse', got ${describe(alpha)}`);
  }
  const where = typeof source === 'string' ? source : `${source.length} bytes`;
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? await readFile(source) : source;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ImageError(`cannot read image ${where}: ${code}`, { cause: error });
  }
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch (error) {
    throw new ImageError(
      `cannot decode image ${where}: expected a ${READABLE_FORMATS_TEXT} file, got data sharp cannot read`,
      {
        cause: error,
      },
    );
  }
  if (!IMAGE_FORMATS.some((f) => f.name === metadata.format)) {
    throw new ImageError(
      `cannot decode image ${where}: expected a ${READABLE_FORMATS_TEXT} file, got ${String(metadata.format)}`,
    );
  }
  if (metadata.hasAlpha && alpha === 'refuse') {
    throw new ImageError(
      `image ${where}: expected no alpha channel (alpha: 'refuse'), got ${metadata.channels} channels with alpha`,
    );
  }
  try {
    if (metadata.space === 'cmyk') {
      const { data, info } = await sharp(bytes)
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data: cmykToRgb(data, info.width * info.height) };
    }
    const { data, info } = await sharp(bytes)
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const pixels = info.width * info.height;
    let rgb: Uint8Array;
    if (info.channels === 4) rgb = onWhite(data, pixels);
    else if (info.channels === 3) rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
    else throw new Error(`${info.channels} channels after conversion to sRGB`);
    return { width: info.width, height: info.height, data: rgb };
  } catch (error) {
    throw new ImageError(`cannot decode image ${where}: ${(error as Error).message}`, { cause: error });
  }
}

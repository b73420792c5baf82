/**
 * Image files in and out, through sharp (libvips): PNG, JPEG and WebP (and whatever else the
 * installed libvips reads) to 8-bit RGB like Pillow's `Image.open(path).convert('RGB')`, and
 * RGB images to PNG.
 */

import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { TokenizerError } from './errors.js';
import { checkImage, describe, type RgbImage } from './image.js';

/**
 * Decodes an image file to 8-bit RGB, as the reference's `Image.open(path).convert('RGB')`:
 * an alpha channel is dropped (not composited), grey is repeated into R, G and B, 16-bit samples
 * are reduced to 8 bits. EXIF orientation is not applied (neither does Pillow).
 *
 * @param source - a file path, or the encoded file's bytes.
 * @returns the decoded image.
 * @throws {@link TokenizerError} when the bytes are not a decodable image.
 *
 * @example
 * ```ts
 * const image = await readImage('demo.png'); // { width, height, data: Uint8Array (H·W·3) }
 * ```
 */
export async function readImage(source: string | Uint8Array): Promise<RgbImage> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new TypeError(`source: expected a file path or a Uint8Array, got ${describe(source)}`);
  }
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    decoded = await sharp(bytes)
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const where = typeof source === 'string' ? `'${source}'` : `${source.length} bytes`;
    throw new TokenizerError(
      `readImage: expected a PNG, JPEG or WebP image, got ${where} that sharp cannot decode`,
      {
        cause: error,
      },
    );
  }
  const { width, height, channels } = decoded.info;
  const data = new Uint8Array(width * height * 3);
  const src = decoded.data;
  if (channels === 3) {
    data.set(src);
  } else if (channels === 1) {
    for (let i = 0; i < width * height; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = src[i];
  } else {
    // Any other layout: keep the first three channels (or repeat the first when there are two).
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) data[3 * i + c] = src[i * channels + (channels >= 3 ? c : 0)];
    }
  }
  return { width, height, data };
}

/**
 * Encodes an RGB image as PNG (lossless, 8 bits per channel).
 *
 * @param image - the image to encode.
 * @returns the PNG file's bytes.
 *
 * @example
 * ```ts
 * await writeFile('out.png', await encodePng(image));
 * ```
 */
export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  checkImage('image', image);
  const buffer = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/**
 * Writes an RGB image to a PNG file.
 *
 * @param path - where to write (overwritten if it exists).
 * @param image - the image to write.
 *
 * @example
 * ```ts
 * await writePng('reconstruction.png', images[0]);
 * ```
 */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${describe(path)}`);
  checkImage('image', image);
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toFile(path);
}

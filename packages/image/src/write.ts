import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe } from '@tokenset/tensor-io';
import sharp from 'sharp';
import { checkImage, type RgbImage } from './rgb-image.js';

/** The marker of temporary files; {@link listImageFiles} skips names that contain it. */
export const TEMP_MARKER = '.partial-';

/**
 * Writes `data` to `path` so that readers only ever see the old file or the whole new one: the bytes
 * go to a temporary file in the same folder (created if needed), which is then renamed over `path`
 * (atomic on POSIX). A killed process leaves at most a stray `*.partial-*` file, never a truncated `path`.
 *
 * @param path - the file to write.
 * @param data - its contents.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${describe(path)}`);
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Encodes an RGB image as PNG (lossless, 8 bits per channel).
 *
 * @param image - the image to encode.
 * @returns the PNG file's bytes.
 *
 * @example
 * ```ts
 * const png = await encodePng(image);
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
 * Writes an RGB image to a PNG file, atomically (see {@link writeFileAtomic}); the folder is
 * created if needed and an existing file is replaced.
 *
 * @param path - where to write.
 * @param image - the image to write.
 *
 * @example
 * ```ts
 * await writePng('reconstruction.png', images[0]);
 * ```
 */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${describe(path)}`);
  await writeFileAtomic(path, await encodePng(image));
}

/**
 * Whether `path` is a complete image of the given size: decoded in full, so a truncated or corrupt
 * file (a run killed while an older tool wrote it) is not mistaken for finished work.
 *
 * @param path - the file.
 * @param width - the expected width.
 * @param height - the expected height.
 */
export async function isCompleteImage(path: string, width: number, height: number): Promise<boolean> {
  try {
    const { info } = await sharp(await readFile(path), { failOn: 'truncated' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return info.width === width && info.height === height;
  } catch {
    return false;
  }
}

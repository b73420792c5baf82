import { readdir, readFile, realpath } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { MetricError } from './errors.js';

/** torch-fidelity's default `samples_find_ext`. */
export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg'];

/**
 * The image files of a folder in torch-fidelity's order (`glob_samples_paths` with its defaults):
 * not recursive, extensions png/jpg/jpeg (case-insensitive), real paths sorted by code point
 * (Python's string order, which is UTF-8 byte order).
 */
export async function listImageFiles(
  folder: string,
  extensions: readonly string[] = IMAGE_EXTENSIONS,
): Promise<string[]> {
  if (typeof folder !== 'string') throw new TypeError(`folder: expected a path, got ${typeof folder}`);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    throw new MetricError(
      `folder: expected a readable directory, got '${folder}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: error,
      },
    );
  }
  const wanted = new Set(extensions.map((e) => e.toLowerCase().replace(/^\./, '')));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    const ext = extname(entry.name).toLowerCase().replace(/^\./, '');
    if (!wanted.has(ext)) continue;
    files.push(await realpath(join(folder, entry.name)));
  }
  return files.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** A decoded 8-bit RGB image, channels last. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes an image file to 8-bit RGB like `PIL.Image.open(path).convert("RGB")`: alpha dropped
 * (not composited), grey and palette images expanded, no EXIF rotation. Decoding is libvips' (sharp);
 * JPEG decoders may differ from Pillow's by ±1 in some pixels.
 */
export async function readRgbImage(path: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new MetricError(`cannot read image ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: error,
    });
  }
  try {
    const { data, info } = await sharp(bytes)
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (error) {
    throw new MetricError(
      `cannot decode image ${path}: expected a PNG or JPEG file (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
}

/** Encoding and decoding of the image files the command writes (PNG, animated GIF / WebP), via sharp. */

import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { writeFileAtomic } from './atomic-write.js';
import { CliError } from './errors.js';
import type { RgbImage } from './raster.js';

/** Animated formats `--trajectory` can write, chosen by the output file's extension. */
export type AnimationFormat = 'gif' | 'webp';

/** Encodes an RGB image as PNG bytes. */
export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
}

/** Writes an RGB image as a PNG file, atomically. */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  await writeFileAtomic(path, await encodePng(image));
}

/**
 * Encodes frames (all the same size) as an animated GIF or lossless WebP that loops forever,
 * `delayMs` per frame (the last frame held `holdLastMs`).
 */
export async function encodeAnimation(
  frames: readonly RgbImage[],
  format: AnimationFormat,
  delayMs = 250,
  holdLastMs = 1500,
): Promise<Uint8Array> {
  if (frames.length === 0) throw new RangeError('frames: expected at least one frame, got none');
  const { width, height } = frames[0];
  const strip = new Uint8Array(width * height * 3 * frames.length);
  frames.forEach((frame, i) => {
    if (frame.width !== width || frame.height !== height) {
      throw new RangeError(`frames: expected all ${width}×${height}, got ${frame.width}×${frame.height}`);
    }
    strip.set(frame.data, i * width * height * 3);
  });
  const delay = frames.map((_, i) => (i === frames.length - 1 ? holdLastMs : delayMs));
  const image = sharp(strip, {
    raw: { width, height: height * frames.length, channels: 3, pageHeight: height },
  });
  return format === 'gif'
    ? image.gif({ delay, loop: 0 }).toBuffer()
    : image.webp({ delay, loop: 0, lossless: true }).toBuffer();
}

/** The animation format implied by a file name, or a CliError naming the valid extensions. */
export function animationFormat(path: string): AnimationFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.gif')) return 'gif';
  if (lower.endsWith('.webp')) return 'webp';
  throw new CliError(`--trajectory: expected a file ending in .gif or .webp, got ${path}`);
}

/** Decodes an image file to RGB; a file sharp cannot read becomes a one-line CliError. */
export async function readRgb(path: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read image ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({
      resolveWithObject: true,
    });
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch {
    throw new CliError(`cannot decode image ${path}: not a readable PNG, JPEG, WebP or GIF file`);
  }
}

/**
 * Whether `path` is a complete PNG of the expected size: decoded in full, so a truncated or corrupt
 * file (a run killed while an older tool wrote it) is not mistaken for finished work.
 */
export async function isValidPng(path: string, width: number, height: number): Promise<boolean> {
  try {
    const { info } = await sharp(await readFile(path), { failOn: 'truncated' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return info.width === width && info.height === height;
  } catch {
    return false;
  }
}

/** Decodes a PNG written by this tool back into RGB pixels (lossless round trip). */
export async function readPngRgb(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(await readFile(path))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

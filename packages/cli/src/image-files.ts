/** The animations the command writes (animated GIF / WebP), via sharp; PNGs are @tokenset/image's. */

import type { RgbImage } from '@tokenset/image';
import sharp from 'sharp';
import { CliError } from './errors.js';

/** Animated formats `--trajectory` can write, chosen by the output file's extension. */
export type AnimationFormat = 'gif' | 'webp';

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

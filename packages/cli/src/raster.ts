/**
 * Composition of RGB images in memory: grids, captioned strips, and the frames of an animation.
 * Pixels are `uint8` RGB, row-major (HWC), like the tokenizer's decoded images.
 */

import type { RgbImage } from '@tokenset/image';
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';

/** A blank image filled with one colour. */
export function blankImage(width: number, height: number, value = 255): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) };
}

/** Copies `source` into `target` with its top-left corner at (x, y), clipping at the edges. */
export function paste(target: RgbImage, source: RgbImage, x: number, y: number): void {
  for (let row = 0; row < source.height; row++) {
    const ty = y + row;
    if (ty < 0 || ty >= target.height) continue;
    const x0 = Math.max(0, x);
    const x1 = Math.min(target.width, x + source.width);
    if (x1 <= x0) continue;
    const from = (row * source.width + (x0 - x)) * 3;
    target.data.set(source.data.subarray(from, from + (x1 - x0) * 3), (ty * target.width + x0) * 3);
  }
}

/** `image` enlarged `factor` times by repeating pixels (small digits stay crisp). */
export function upscale(image: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1)
    throw new RangeError(`factor: expected a positive integer, got ${factor}`);
  if (factor === 1) return image;
  const out = blankImage(image.width * factor, image.height * factor);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const from = (Math.floor(y / factor) * image.width + Math.floor(x / factor)) * 3;
      out.data.set(image.data.subarray(from, from + 3), (y * out.width + x) * 3);
    }
  }
  return out;
}

/** Options of {@link grid}. */
export interface GridOptions {
  /** Images per row (default: ceil(sqrt(n))). */
  columns?: number;
  /** Gap between images in pixels (default 2). */
  gap?: number;
  /** Gap colour (grey level, default 255). */
  background?: number;
}

/** Lays `images` (all the same size) out row by row. */
export function grid(images: readonly RgbImage[], options: GridOptions = {}): RgbImage {
  if (images.length === 0) throw new RangeError('images: expected at least one image, got none');
  const { width, height } = images[0];
  for (const image of images) {
    if (image.width !== width || image.height !== height) {
      throw new RangeError(
        `images: expected all ${width}×${height}, got ${image.width}×${image.height} in the same grid`,
      );
    }
  }
  const columns = Math.max(
    1,
    Math.min(images.length, options.columns ?? Math.ceil(Math.sqrt(images.length))),
  );
  const rows = Math.ceil(images.length / columns);
  const gap = options.gap ?? 2;
  const out = blankImage(
    columns * width + (columns - 1) * gap,
    rows * height + (rows - 1) * gap,
    options.background,
  );
  images.forEach((image, i) => {
    paste(out, image, (i % columns) * (width + gap), Math.floor(i / columns) * (height + gap));
  });
  return out;
}

/** The largest font scale (≤ `maxScale`) at which `text` fits in `width` pixels, or 1. */
function fitScale(text: string, width: number, maxScale: number): number {
  for (let s = maxScale; s > 1; s--) if (textWidth(text, s) <= width) return s;
  return 1;
}

/**
 * Images side by side, each with a caption centred under it (the reference demo's comparison strip).
 * The font scale follows the panel size (2 for 256-pixel panels, 1 for small ones); a caption too
 * long for its panel is cut.
 */
export function captionedStrip(panels: readonly { image: RgbImage; caption: string }[], gap = 4): RgbImage {
  if (panels.length === 0) throw new RangeError('panels: expected at least one panel, got none');
  const height = Math.max(...panels.map((p) => p.image.height));
  const maxScale = Math.max(1, Math.floor(height / 100));
  const scales = panels.map((p) => fitScale(p.caption, p.image.width - 2, maxScale));
  const scale = Math.min(...scales);
  const band = GLYPH_HEIGHT * scale + 2 * Math.max(2, scale * 2);
  const width = panels.reduce((sum, p) => sum + p.image.width, 0) + gap * (panels.length + 1);
  const out = blankImage(width, height + band + gap);
  let x = gap;
  for (const { image, caption } of panels) {
    paste(out, image, x, gap);
    const maxChars = Math.max(1, Math.floor((image.width + scale) / (6 * scale)));
    const text = caption.length > maxChars ? caption.slice(0, maxChars) : caption;
    const tx = x + Math.floor((image.width - textWidth(text, scale)) / 2);
    drawText(out, text, tx, gap + height + Math.floor((band - GLYPH_HEIGHT * scale) / 2), scale);
    x += image.width + gap;
  }
  return out;
}

/** Draws a caption on a white band at the bottom of a copy of `image` (animation frames). */
export function withCaption(image: RgbImage, caption: string): RgbImage {
  const scale = Math.max(1, Math.floor(image.height / 128));
  const band = GLYPH_HEIGHT * scale + 4 * scale;
  const out = blankImage(image.width, image.height + band);
  paste(out, image, 0, 0);
  drawText(
    out,
    caption,
    Math.max(1, Math.floor((image.width - textWidth(caption, scale)) / 2)),
    image.height + 2 * scale,
    scale,
  );
  return out;
}

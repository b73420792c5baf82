/**
 * The functions that need files and sharp, from this platform's modules: `#read`, `#write` and
 * `#list` are `read.ts`, `write.ts` and `list.ts` in Node.js and stand-ins that refuse in browser
 * bundles. Declared here with their full signatures, so that the published declarations name no
 * `#` import (they must resolve for every TypeScript setting).
 */

import * as list from '#list';
import * as read from '#read';
import * as write from '#write';
import type { ListImagesOptions } from './list.js';
import type { ReadImageOptions } from './read.js';
import type { RgbImage } from './rgb-image.js';

/**
 * The image files of a folder (by extension), sorted by name; see {@link ListImagesOptions}.
 * Needs Node.js.
 */
export function listImageFiles(folder: string, options?: ListImagesOptions): Promise<string[]> {
  return list.listImageFiles(folder, options);
}

/**
 * Decodes an image file (a path, or its bytes) to 8-bit RGB as Pillow's `convert('RGB')` does, alpha
 * on white; see {@link ReadImageOptions}. Needs Node.js (sharp).
 */
export function readRgbImage(source: string | Uint8Array, options?: ReadImageOptions): Promise<RgbImage> {
  return read.readRgbImage(source, options);
}

/** An RGB image as PNG bytes. Needs Node.js (sharp). */
export function encodePng(image: RgbImage): Promise<Uint8Array> {
  return write.encodePng(image);
}

/** Writes an RGB image as a PNG file, atomically (see {@link writeFileAtomic}). Needs Node.js. */
export function writePng(path: string, image: RgbImage): Promise<void> {
  return write.writePng(path, image);
}

/**
 * Writes `data` to `path` so that readers only ever see the old file or the whole new one (a
 * temporary file renamed over it; its name holds {@link TEMP_MARKER}). Needs Node.js.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  return write.writeFileAtomic(path, data);
}

/** Whether `path` is a complete, decodable image of `width`×`height`. Needs Node.js (sharp). */
export function isCompleteImage(path: string, width: number, height: number): Promise<boolean> {
  return write.isCompleteImage(path, width, height);
}

/** The marker in the names of the temporary files of {@link writeFileAtomic}. */
export const TEMP_MARKER: string = write.TEMP_MARKER;

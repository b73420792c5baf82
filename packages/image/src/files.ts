/**
 * The functions that need files and sharp, from this platform's modules: `#read`, `#write` and
 * `#list` are `read.ts`, `write.ts` and `list.ts` in Node.js and their byte-free stand-ins in
 * browser bundles. Typed by the Node modules, so that the published declarations name no `#` import.
 */

import * as list from '#list';
import * as read from '#read';
import * as write from '#write';
import type * as NodeList from './list.js';
import type * as NodeRead from './read.js';
import type * as NodeWrite from './write.js';

/** See `listImageFiles` in list.ts: the image files of a folder, sorted. */
export const listImageFiles: typeof NodeList.listImageFiles = list.listImageFiles;
/** See `readRgbImage` in read.ts: an image file or its bytes, decoded to 8-bit RGB. */
export const readRgbImage: typeof NodeRead.readRgbImage = read.readRgbImage;
/** See `encodePng` in write.ts: an RGB image as PNG bytes. */
export const encodePng: typeof NodeWrite.encodePng = write.encodePng;
/** See `writePng` in write.ts: an RGB image written as a PNG file. */
export const writePng: typeof NodeWrite.writePng = write.writePng;
/** See `writeFileAtomic` in write.ts: a file written whole or not at all. */
export const writeFileAtomic: typeof NodeWrite.writeFileAtomic = write.writeFileAtomic;
/** See `isCompleteImage` in write.ts: whether a file is a complete image of the given size. */
export const isCompleteImage: typeof NodeWrite.isCompleteImage = write.isCompleteImage;
/** The marker in the names of files being written (see `writeFileAtomic`). */
export const TEMP_MARKER: typeof NodeWrite.TEMP_MARKER = write.TEMP_MARKER;

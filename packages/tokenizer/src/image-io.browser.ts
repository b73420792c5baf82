/**
 * The browser's stand-in for `image-io.ts` (package.json's `browser` map): image files go through
 * sharp, which needs Node.js. In a browser, decode with a canvas (`getImageData`) and pass the RGB
 * bytes to the tokenizer.
 */

import type * as NodeImageIo from './image-io.js';

function needsNode(what: string): never {
  throw new TypeError(`${what}: expected Node.js (sharp), got a browser; decode images with a canvas there`);
}

export const readImage: typeof NodeImageIo.readImage = async () => needsNode('readImage');
export const encodePng: typeof NodeImageIo.encodePng = async () => needsNode('encodePng');
export const writePng: typeof NodeImageIo.writePng = async () => needsNode('writePng');

/**
 * The browser's stand-in for `platform.ts` (swapped in by the `browser` condition of package.json's `imports`): a graph
 * becomes bytes with `toBytes()`; writing files needs Node.js.
 */

import type * as NodePlatform from './platform.js';

function needsNode(path: string): never {
  throw new TypeError(`writing '${path}': expected Node.js, got a browser; use toBytes() instead`);
}

export const writePiecesSync: typeof NodePlatform.writePiecesSync = (path) => needsNode(path);
export const writePieces: typeof NodePlatform.writePieces = async (path) => needsNode(path);
/** The last segment of a '/'-separated path (URLs and POSIX paths). */
export const basename: typeof NodePlatform.basename = (path) => path.slice(path.lastIndexOf('/') + 1);

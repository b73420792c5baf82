/**
 * The browser's stand-in for `platform.ts` (swapped in by the `browser` condition of package.json's `imports`): tensor-io
 * reads and writes bytes there; file paths and deflate need Node.js. torch.save and numpy.savez
 * store their members uncompressed, so checkpoints and `.npz` files read the same in both.
 */

import { crc32Bytes } from './crc32.js';
import type * as NodePlatform from './platform.js';

function needsNode(what: string): never {
  throw new TypeError(
    `${what}: expected Node.js, got a browser; pass the file's bytes (a Uint8Array) instead`,
  );
}

export type { FileWriter } from './platform.js';

export const crc32: typeof NodePlatform.crc32 = crc32Bytes;
export const inflateRaw: typeof NodePlatform.inflateRaw = () =>
  needsNode('a deflated zip member (numpy.savez_compressed)');
export const deflateRaw: typeof NodePlatform.deflateRaw = () => needsNode('compressing');
export const readFileBytes: typeof NodePlatform.readFileBytes = async (path) =>
  needsNode(`reading '${path}'`);
export const writeFileBytes: typeof NodePlatform.writeFileBytes = async (path) =>
  needsNode(`writing '${path}'`);
export const createFile: typeof NodePlatform.createFile = async (path) => needsNode(`writing '${path}'`);
export const fileSource: typeof NodePlatform.fileSource = async (path) => needsNode(`reading '${path}'`);

/**
 * What dit1d needs from Node.js: reading a `.onnx` file given by path. Browser bundles get
 * `platform.browser.ts` instead (the `browser` condition of package.json's `imports`): there, models load from bytes.
 */

import { readFileSync } from 'node:fs';

/** A whole file's bytes. */
export function readFileBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

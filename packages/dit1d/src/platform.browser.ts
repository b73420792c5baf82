/** The browser's stand-in for `platform.ts`: models load from bytes there (fetch them first). */

import type * as NodePlatform from './platform.js';

export const readFileBytes: typeof NodePlatform.readFileBytes = (path) => {
  throw new TypeError(
    `reading '${path}': expected Node.js, got a browser; pass the model's bytes (a Uint8Array) instead`,
  );
};

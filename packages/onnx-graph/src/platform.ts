/**
 * What onnx-graph needs from Node.js: writing model files. Browser bundles get
 * `platform.browser.ts` instead (the `browser` condition of package.json's `imports`): there, graphs become bytes only.
 */

import { closeSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';

export { basename } from 'node:path';

/** Writes `pieces` one after another into a new file, synchronously. */
export function writePiecesSync(path: string, pieces: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const piece of pieces) writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
}

/** Writes `pieces` into a new file, reporting the bytes written as they go. */
export async function writePieces(
  path: string,
  pieces: readonly Uint8Array[],
  progress: (bytes: number) => void,
): Promise<void> {
  const file = await open(path, 'w');
  try {
    // Small pieces are batched so that a model of thousands of nodes is not thousands of writes.
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batch.length > 0) await file.writev(batch);
      progress(batchBytes);
      batch = [];
      batchBytes = 0;
    };
    for (const piece of pieces) {
      batch.push(piece);
      batchBytes += piece.byteLength;
      if (batch.length >= 512 || batchBytes >= 1 << 26) await flush();
    }
    await flush();
  } finally {
    await file.close();
  }
}

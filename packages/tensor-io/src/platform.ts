/**
 * Everything tensor-io needs from Node.js: files and zlib. Browser bundles get
 * `platform.browser.ts` instead (the `browser` condition of package.json's `imports`), which works on bytes only.
 */

import { constants as bufferConstants } from 'node:buffer';
import { type FileHandle, open, readFile, writeFile } from 'node:fs/promises';
import { deflateRawSync, inflateRawSync, crc32 as zlibCrc32 } from 'node:zlib';
import type { ByteSource } from './byte-source.js';

/** The CRC-32 of `bytes` (zlib's, unsigned). */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}

/** Inflates a raw deflate stream expected to hold `size` bytes. */
export function inflateRaw(stored: Uint8Array, size: number): Uint8Array {
  return new Uint8Array(
    inflateRawSync(stored, { maxOutputLength: Math.max(1, Math.min(size, bufferConstants.MAX_LENGTH)) }),
  );
}

/** Deflates `bytes` into a raw deflate stream. */
export function deflateRaw(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(deflateRawSync(bytes));
}

/** A whole file's bytes. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

/** Writes `bytes` to a file, replacing it. */
export async function writeFileBytes(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes);
}

/** A file opened for positioned writes from the start: `write(bytes, position)`, then `close()`. */
export interface FileWriter {
  /** Writes all of `bytes` at `position`. */
  write(bytes: Uint8Array, position: number): Promise<void>;
  /** Closes the file. */
  close(): Promise<void>;
}

/** Creates (or truncates) a file for writing. */
export async function createFile(path: string): Promise<FileWriter> {
  const handle = await open(path, 'w');
  return {
    async write(bytes, position) {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
    },
    close: () => handle.close(),
  };
}

/** A {@link ByteSource} over a file, read with positioned reads through one file handle. */
export async function fileSource(path: string): Promise<ByteSource> {
  const handle: FileHandle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  let closed = false;
  return {
    size,
    async readInto(target, position) {
      if (closed) throw new Error('read: the file was closed');
      let done = 0;
      // Reads of more than 2 GiB are split: one read(2) call returns at most about that much.
      while (done < target.length) {
        const chunk = Math.min(target.length - done, 1 << 30);
        const { bytesRead } = await handle.read(target, done, chunk, position + done);
        if (bytesRead === 0) {
          throw new RangeError(
            `read: expected ${target.length} bytes at ${position}, the file ended after ${done} (did it change?)`,
          );
        }
        done += bytesRead;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

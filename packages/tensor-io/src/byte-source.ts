import { type FileHandle, open } from 'node:fs/promises';

/** Random access to the bytes of a file or of a buffer: what the zip reader reads through. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Fills `target` with the bytes at `position ..`; rejects if fewer are available. */
  readInto(target: Uint8Array, position: number): Promise<void>;
  /** Releases the file handle, if any. Idempotent. */
  close(): Promise<void>;
}

/** Reads `length` bytes at `position` into a new buffer. */
export async function readAt(source: ByteSource, position: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await source.readInto(out, position);
  return out;
}

/** A {@link ByteSource} over bytes in memory. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async readInto(target, position) {
      if (position < 0 || position + target.length > bytes.length) {
        throw new RangeError(
          `read: expected a range inside ${bytes.length} bytes, got ${target.length} bytes at ${position}`,
        );
      }
      target.set(bytes.subarray(position, position + target.length));
    },
    async close() {},
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

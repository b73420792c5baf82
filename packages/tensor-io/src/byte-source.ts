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

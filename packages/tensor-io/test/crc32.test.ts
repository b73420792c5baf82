import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Bytes } from '../src/crc32.js';
import * as browser from '../src/platform.browser.js';

describe('crc32Bytes (the browser CRC-32)', () => {
  it('equals zlib for empty, short and 100 kB inputs', () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 2654435761) >>> 24);
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('123456789'), big]) {
      expect(crc32Bytes(bytes)).toBe(crc32(bytes) >>> 0);
    }
    expect(crc32Bytes(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('the browser stand-ins refuse paths with a TypeError that says to pass bytes', async () => {
    await expect(browser.fileSource('model.pth')).rejects.toThrow(
      /expected Node.js, got a browser; pass the file's bytes/,
    );
    expect(() => browser.inflateRaw(new Uint8Array(1), 1)).toThrow(TypeError);
  });
});

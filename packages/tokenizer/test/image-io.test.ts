import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy } from '@tokenset/tensor-io';
import { encodePng, prepareImage, readImage, TokenizerError, writePng } from '@tokenset/tokenizer';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

const demoPath = new URL('./fixtures/demo.png', import.meta.url);
const demoU8 = parseNpy(
  new Uint8Array(readFileSync(new URL('./fixtures/full-tokenizer/image_u8.npy', import.meta.url))),
);
const dir = mkdtempSync(join(tmpdir(), 'tokenizer-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pattern(width: number, height: number, channels: number): Uint8Array {
  return Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + (i >> 5)) & 255);
}

describe('readImage', () => {
  it('decodes demo.png to the reference image_u8 (Pillow convert("RGB"))', async () => {
    const image = await readImage(demoPath.pathname);
    expect([image.height, image.width, 3]).toEqual(demoU8.shape);
    expect(Buffer.compare(Buffer.from(image.data), Buffer.from(demoU8.data as Uint8Array))).toBe(0);
    // bytes in, too
    const fromBytes = await readImage(new Uint8Array(readFileSync(demoPath)));
    expect(fromBytes.data).toEqual(image.data);
  });

  it('drops alpha without compositing and repeats grey into RGB', async () => {
    const rgba = pattern(5, 4, 4);
    const png = await sharp(rgba, { raw: { width: 5, height: 4, channels: 4 } })
      .png()
      .toBuffer();
    const image = await readImage(new Uint8Array(png));
    for (let p = 0; p < 20; p++) {
      expect(Array.from(image.data.subarray(3 * p, 3 * p + 3))).toEqual(
        Array.from(rgba.subarray(4 * p, 4 * p + 3)),
      );
    }
    const grey = pattern(3, 2, 1);
    const greyPng = await sharp(grey, { raw: { width: 3, height: 2, channels: 1 } })
      .png()
      .toBuffer();
    const g = await readImage(new Uint8Array(greyPng));
    expect(Array.from(g.data)).toEqual(Array.from(grey).flatMap((v) => [v, v, v]));
  });

  it('decodes lossless WebP exactly and JPEG approximately', async () => {
    const rgb = pattern(16, 8, 3);
    const raw = { raw: { width: 16, height: 8, channels: 3 as const } };
    const webp = await sharp(rgb, raw).webp({ lossless: true }).toBuffer();
    expect((await readImage(new Uint8Array(webp))).data).toEqual(rgb);
    const flat = new Uint8Array(16 * 8 * 3).fill(90);
    const jpeg = await sharp(flat, raw).jpeg({ quality: 95 }).toBuffer();
    const decoded = await readImage(new Uint8Array(jpeg));
    expect(decoded.width).toBe(16);
    expect(decoded.data.every((v) => Math.abs(v - 90) <= 2)).toBe(true);
  });

  it('reports undecodable input', async () => {
    await expect(readImage(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(TokenizerError);
    await expect(readImage(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(
      /expected a PNG, JPEG or WebP image, got 4 bytes/,
    );
    await expect(readImage(42 as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe('PNG output', () => {
  it('round-trips through writePng and encodePng', async () => {
    const image = { width: 7, height: 3, data: pattern(7, 3, 3) };
    const path = join(dir, 'out.png');
    await writePng(path, image);
    expect((await readImage(path)).data).toEqual(image.data);
    const bytes = await encodePng(image);
    expect(Array.from(bytes.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    expect((await readImage(bytes)).data).toEqual(image.data);
  });

  it('rejects malformed images', async () => {
    await expect(encodePng({ width: 2, height: 2, data: new Uint8Array(3) })).rejects.toThrow(RangeError);
  });
});

describe('prepareImage', () => {
  it('takes a path, bytes or an image and crops to the size', async () => {
    const a = await prepareImage(demoPath.pathname, 128);
    const b = await prepareImage(new Uint8Array(readFileSync(demoPath)), 128);
    const c = await prepareImage(await readImage(demoPath.pathname), 128);
    expect([a.width, a.height]).toEqual([128, 128]);
    expect(b.data).toEqual(a.data);
    expect(c.data).toEqual(a.data);
    // A 256x256 image at size 256 is unchanged (Pillow's resize to the same size is a copy).
    expect((await prepareImage(demoPath.pathname)).data).toEqual(demoU8.data);
  });
});

import { readFileSync } from 'node:fs';
import { parseNpy } from '@tokenset/tensor-io';
import { describe, expect, it } from 'vitest';
import { ImageError, readRgbImage } from '../src/index.js';

// Inputs and Pillow-made expectations from tools/image/make_fixtures.py.
const fixtures = new URL('./fixtures/', import.meta.url);
const { cases } = JSON.parse(readFileSync(new URL('cases.json', fixtures), 'utf8')) as {
  cases: { file: string; expected: string; tolerance: number; note: string }[];
};

describe("readRgbImage against Pillow's convert('RGB')", () => {
  it('has every case the issue lists', () => {
    const files = cases.map((c) => c.file);
    for (const f of [
      'rgb16.png',
      'grey16.png',
      'grey.png',
      'palette.png',
      'cmyk.jpg',
      'exif-rotated.jpg',
      'rgba.png',
    ])
      expect(files).toContain(f);
  });

  for (const c of cases) {
    if (c.file.endsWith('.bmp')) continue;
    it(`${c.file}${c.note ? ` (${c.note})` : ''}`, async () => {
      const expected = parseNpy(new Uint8Array(readFileSync(new URL(c.expected, fixtures))));
      const image = await readRgbImage(new URL(c.file, fixtures).pathname);
      expect([image.height, image.width, 3]).toEqual(expected.shape);
      const want = expected.data as Uint8Array;
      let max = 0;
      for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(want[i] - image.data[i]));
      // Every case is pixel-exact with this sharp build; JPEG cases allow the ±1 that decoders may differ by.
      expect(max).toBeLessThanOrEqual(c.tolerance);
    });
  }

  it('refuses BMP (Pillow reads it, sharp does not) with the list of readable formats', async () => {
    await expect(readRgbImage(new URL('rgb.bmp', fixtures).pathname)).rejects.toThrow(
      /rgb\.bmp: expected a PNG, JPEG, WebP, GIF or TIFF file/,
    );
  });

  it("refuses alpha with alpha: 'refuse'", async () => {
    await expect(readRgbImage(new URL('rgba.png', fixtures).pathname, { alpha: 'refuse' })).rejects.toThrow(
      /rgba\.png: expected no alpha channel/,
    );
    await expect(
      readRgbImage(new URL('rgb.png', fixtures).pathname, { alpha: 'refuse' }),
    ).resolves.toMatchObject({
      width: 13,
    });
  });

  it('reports unreadable and undecodable input', async () => {
    await expect(readRgbImage(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(ImageError);
    await expect(readRgbImage(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/4 bytes: expected a PNG, JPEG/);
    await expect(readRgbImage('/nonexistent/x.png')).rejects.toThrow(
      'cannot read image /nonexistent/x.png: ENOENT',
    );
    await expect(readRgbImage(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(readRgbImage('x.png', { alpha: 'drop' as 'white' })).rejects.toThrow(RangeError);
  });
});

import { readFileSync } from 'node:fs';
import { roundHalfEven } from '@tokenset/set-codec';
import { parseNpy } from '@tokenset/tensor-io';
import { centerCropArr, resize } from '@tokenset/tokenizer';
import { describe, expect, it } from 'vitest';

const fixture = (name: string) =>
  parseNpy(new Uint8Array(readFileSync(new URL(`./fixtures/preprocess/${name}.npy`, import.meta.url))));
const config = JSON.parse(
  readFileSync(new URL('./fixtures/preprocess/config.json', import.meta.url), 'utf8'),
) as {
  image_size: number;
  cases: Record<string, [number, number]>;
};

describe('centerCropArr', () => {
  it.each(Object.keys(config.cases))('%s equals Pillow 9.4 byte for byte', (name) => {
    const input = fixture(`${name}_input`);
    const expected = fixture(`${name}_output`);
    const [height, width] = input.shape;
    const out = centerCropArr({ width, height, data: input.data as Uint8Array }, config.image_size);
    expect([out.height, out.width]).toEqual(expected.shape.slice(0, 2));
    let differing = 0;
    for (let i = 0; i < out.data.length; i++) if (out.data[i] !== expected.data[i]) differing++;
    expect(differing).toBe(0);
  });

  it('rejects malformed images and sizes', () => {
    expect(() => centerCropArr({ width: 2, height: 2, data: new Uint8Array(11) }, 1)).toThrow(RangeError);
    expect(() => centerCropArr({ width: 2, height: 2, data: new Uint8Array(12) }, 0)).toThrow(/size/);
    expect(() => centerCropArr({ width: 2, height: 2, data: [] as unknown as Uint8Array }, 1)).toThrow(
      TypeError,
    );
  });
});

describe('resize', () => {
  const image = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };

  it('copies when the size does not change', () => {
    const out = resize(image, 3, 2, 'bicubic');
    expect(out.data).toEqual(image.data);
    expect(out.data).not.toBe(image.data);
  });

  it('BOX halving rounds after each pass, as Pillow (horizontal to 8 bits, then vertical)', () => {
    const data = Uint8Array.from([
      0, 0, 0, 1, 1, 1, 2, 2, 2, 4, 4, 4, 10, 10, 10, 20, 20, 20, 30, 30, 30, 41, 41, 41,
    ]);
    const out = resize({ width: 2, height: 2, data: data.slice(0, 12) }, 1, 1, 'box');
    expect(Array.from(out.data)).toEqual([2, 2, 2]); // rows 0 1 / 2 4 → 1 / 3 → 2
    const wide = resize({ width: 4, height: 2, data }, 2, 1, 'box');
    // rows 0 1 2 4 / 10 20 30 41 → horizontal 1 3 / 15 36 (half up) → vertical 8 20, where the exact
    // 2x2 means would be 7.75 and 19.25.
    expect(Array.from(wide.data)).toEqual([8, 8, 8, 20, 20, 20]);
  });

  it('keeps a constant image constant under every filter', () => {
    const flat = { width: 7, height: 5, data: new Uint8Array(105).fill(200) };
    for (const filter of ['box', 'bilinear', 'bicubic', 'lanczos'] as const) {
      expect(resize(flat, 4, 9, filter).data.every((v) => v === 200)).toBe(true);
    }
  });

  it('rejects unknown filters and bad sizes', () => {
    expect(() => resize(image, 2, 2, 'nearest' as 'box')).toThrow(/filter: expected one of 'box'/);
    expect(() => resize(image, 0, 2, 'box')).toThrow(/width/);
    expect(() => resize(image, 2, 1.5, 'box')).toThrow(/height/);
  });
});

describe('roundHalfEven', () => {
  it('rounds like Python 3 round()', () => {
    expect([0.5, 1.5, 2.5, -1.5, 2.4999, 2.5001, 341.3333].map(roundHalfEven)).toEqual([
      0, 2, 2, -2, 2, 3, 341,
    ]);
  });
});

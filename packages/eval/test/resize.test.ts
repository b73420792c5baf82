import { MetricError, normalizeInceptionInput, resizeBilinearTF1 } from '@tokenset/eval';
import { describe, expect, it } from 'vitest';
import { maxAbsError, npy } from './fixture.js';

/** NCHW uint8 → NHWC uint8. */
function toNhwc(images: Uint8Array, n: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(images.length);
  for (let b = 0; b < n; b++)
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < h * w; p++) out[(b * h * w + p) * 3 + c] = images[(b * 3 + c) * h * w + p];
  return out;
}

describe('resizeBilinearTF1 (torch-fidelity interpolate_bilinear_2d_like_tensorflow1x)', () => {
  for (const name of ['images256', 'images299', 'images64x80']) {
    it(`reproduces ${name}_resized bit for bit, in both layouts`, async () => {
      const images = await npy(`inception/${name}`);
      const expected = await npy(`inception/${name}_resized`);
      const [n, , height, width] = images.shape;
      const pixels = images.data as Uint8Array;
      const nchw = resizeBilinearTF1(pixels, { n, height, width, layout: 'nchw' });
      expect(nchw.length).toBe(expected.data.length);
      expect(maxAbsError(nchw, expected.data as Float32Array)).toBe(0);
      const nhwc = resizeBilinearTF1(toNhwc(pixels, n, height, width), { n, height, width });
      expect(nhwc).toEqual(nchw);
    });
  }

  it('normalises to (x - 128) / 128', () => {
    expect(Array.from(normalizeInceptionInput(Float32Array.of(0, 128, 255, 64.5)))).toEqual([
      -1,
      0,
      127 / 128,
      Math.fround(64.5 - 128) / 128,
    ]);
  });

  it('rejects float images, wrong channel counts and bad shapes', () => {
    const shape = { n: 1, height: 2, width: 2 };
    expect(() => resizeBilinearTF1(new Float32Array(12) as unknown as Uint8Array, shape)).toThrow(TypeError);
    expect(() => resizeBilinearTF1(new Float32Array(12) as unknown as Uint8Array, shape)).toThrow(
      /float images/,
    );
    expect(() => resizeBilinearTF1(new Uint8Array(16), shape)).toThrow(MetricError);
    expect(() => resizeBilinearTF1(new Uint8Array(16), shape)).toThrow(/got 4 channel/);
    expect(() => resizeBilinearTF1(new Uint8Array(12), { ...shape, channels: 4 })).toThrow(/expected 3/);
    expect(() => resizeBilinearTF1(new Uint8Array(12), { ...shape, n: 0 })).toThrow(RangeError);
    expect(() =>
      resizeBilinearTF1(new Uint8Array(12), { ...shape, layout: 'hwc' as unknown as 'nhwc' }),
    ).toThrow(/layout/);
  });
});

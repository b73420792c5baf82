import { describe, expect, it } from 'vitest';
import { shiftImages } from '../src/data.js';
import { uniformStream } from '../src/random.js';

/** One `size`×`size` RGB image whose pixel (y, x) holds y·size + x in all three channels. */
function numbered(size: number): Float32Array {
  const image = new Float32Array(size * size * 3);
  for (let p = 0; p < size * size; p++) image.fill(p, p * 3, p * 3 + 3);
  return image;
}

/** The pixel values of channel 0 as rows. */
function rows(image: Float32Array, size: number, offset = 0): number[][] {
  return Array.from({ length: size }, (_, y) =>
    Array.from({ length: size }, (_, x) => image[offset + (y * size + x) * 3]),
  );
}

describe('shiftImages', () => {
  it('moves each image by the drawn whole pixels and fills the uncovered border with black (-1)', () => {
    const batch = new Float32Array(2 * 48);
    batch.set(numbered(4), 0);
    batch.set(numbered(4), 48);
    // draws: first image dy = +1, dx = -1; second image dy = dx = 0 (maxShift 1: floor(u·3) − 1)
    const draws = [0.99, 0.01, 0.5, 0.5];
    shiftImages(batch, 4, 1, () => draws.shift()!);
    expect(rows(batch, 4)).toEqual([
      [-1, -1, -1, -1],
      [1, 2, 3, -1],
      [5, 6, 7, -1],
      [9, 10, 11, -1],
    ]);
    expect(rows(batch, 4, 48)).toEqual(rows(numbered(4), 4));
    expect(draws).toEqual([]); // two draws per image, zero shifts included
  });

  it('keeps every pixel value of a digit inside the frame for shifts up to the margin', () => {
    const size = 8;
    const batch = new Float32Array(50 * size * size * 3).fill(-1);
    for (let i = 0; i < 50; i++) batch.fill(1, i * 192 + (3 * size + 3) * 3, i * 192 + (3 * size + 5) * 3);
    shiftImages(batch, size, 2, uniformStream(7));
    for (let i = 0; i < 50; i++) {
      const lit = batch.subarray(i * 192, (i + 1) * 192).filter((v) => v === 1).length;
      expect(lit).toBe(6); // two pixels × three channels, wherever they moved
    }
  });
});

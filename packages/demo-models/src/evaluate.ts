/**
 * The quality figures of a trained tokenizer and generator on MNIST, measured on the held-out
 * digits only: reconstruction (classifier accuracy, PSNR, order invariance) and class-conditional
 * generation (class accuracy, MNIST-FID beside a floor and a ceiling measured in the same run).
 */

import type { DiT1D } from '@tokenset/dit1d';
import { type SampleOptions, sample } from '@tokenset/fsdd';
import type { SetTokenizer } from '@tokenset/tokenizer';
import { accuracy, type DigitClassifier } from './classifier.js';
import { DIGIT_CLASSES, DIGIT_SIZE, type DigitSet } from './mnist.js';
import { meanPsnr, mnistFid } from './quality.js';

const IMAGE_BYTES = DIGIT_SIZE * DIGIT_SIZE * 3;

/** Reconstruction of held-out digits. */
export interface ReconstructionQuality {
  digits: number;
  /** Classifier accuracy on the reconstructions. */
  accuracy: number;
  /** Classifier accuracy on the originals (the same classifier, for reference). */
  originalAccuracy: number;
  /** Mean PSNR of the reconstructions, dB. */
  psnr: number;
  /** Whether decoding every set in reversed and in shuffled order gave the same bytes. */
  orderInvariant: boolean;
  /** The reconstructions `[N·32·32·3]`. */
  images: Uint8Array;
}

/** A seeded permutation of `n` (xorshift, for the shuffled token order). */
function shuffled(row: Int32Array, seed: number): Int32Array {
  const out = Int32Array.from(row);
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Encodes and decodes `digits`; checks reversed and shuffled token orders decode identically. */
export async function reconstructionQuality(
  tokenizer: SetTokenizer,
  classifier: DigitClassifier,
  digits: DigitSet,
): Promise<ReconstructionQuality> {
  const tokens = await tokenizer.encode(digits.images);
  const images = await tokenizer.decode(tokens);
  const m = tokenizer.setSize;
  const reversed = new Int32Array(tokens.length);
  const mixed = new Int32Array(tokens.length);
  for (let i = 0; i < digits.count; i++) {
    const row = tokens.subarray(i * m, (i + 1) * m);
    reversed.set(Int32Array.from(row).reverse(), i * m);
    mixed.set(shuffled(row, i + 1), i * m);
  }
  const same = (a: Uint8Array) => a.length === images.length && a.every((v, i) => v === images[i]);
  const orderInvariant = same(await tokenizer.decode(reversed)) && same(await tokenizer.decode(mixed));
  const rec = await classifier.classify(images);
  const orig = await classifier.classify(digits.images);
  return {
    digits: digits.count,
    accuracy: accuracy(rec.predictions, digits.labels),
    originalAccuracy: accuracy(orig.predictions, digits.labels),
    psnr: meanPsnr(images, digits.images, IMAGE_BYTES),
    orderInvariant,
    images,
  };
}

/** Options of {@link generateDigits}. */
export interface GenerateDigitsOptions extends Partial<Omit<SampleOptions, 'labels'>> {
  /** Digits per class (default 100). */
  perClass?: number;
  /** Rows per sampler call (default 100). */
  batchSize?: number;
  /** Called after each batch with the digits done so far. */
  onProgress?: (done: number, total: number) => void;
}

/** The outcome of {@link generateDigits}. */
export interface GeneratedDigits {
  /** The decoded digits, `[n·32·32·3]` RGB bytes, class by class. */
  images: Uint8Array;
  /** The requested class of each digit `[n]`. */
  labels: Int32Array;
  /**
   * Each token set's size before decoding `[n]` (`sample`'s `rowSums`): the set size M unless the
   * sampler left its last draws unadjusted (as `DEMO_SAMPLER` does); a longer set is decoded from
   * its M smallest ids.
   */
  rowSums: Int32Array;
}

/** Class-conditional samples: `perClass` of every digit, class by class; seeds are `seed`+row. */
export async function generateDigits(
  generator: DiT1D,
  tokenizer: SetTokenizer,
  options: GenerateDigitsOptions = {},
): Promise<GeneratedDigits> {
  const { perClass = 100, batchSize = 100, onProgress, ...sampler } = options;
  const total = perClass * DIGIT_CLASSES;
  const labels = Int32Array.from({ length: total }, (_, i) => Math.floor(i / perClass));
  const images = new Uint8Array(total * IMAGE_BYTES);
  const rowSums = new Int32Array(total);
  const seed = typeof sampler.seed === 'number' ? sampler.seed : 0;
  for (let start = 0; start < total; start += batchSize) {
    const rows = labels.subarray(start, Math.min(total, start + batchSize));
    const seeds = Array.from(rows, (_, i) => `${seed + start + i}`);
    const result = await sample(generator, { ...sampler, seed: undefined, seeds, labels: rows });
    images.set(await tokenizer.decode(result.tokens), start * IMAGE_BYTES);
    rowSums.set(result.rowSums, start);
    onProgress?.(start + rows.length, total);
  }
  return { images, labels, rowSums };
}

/** Generation quality: accuracy and MNIST-FID against held-out digits. */
export interface GenerationQuality {
  samples: number;
  /** Classifier accuracy against the requested classes. */
  accuracy: number;
  /** MNIST-FID of the samples against the held-out digits. */
  fid: number;
}

/** Measures generated digits against the held-out set. */
export async function generationQuality(
  classifier: DigitClassifier,
  generated: { images: Uint8Array; labels: Int32Array },
  heldOutFeatures: Float32Array,
): Promise<GenerationQuality> {
  const c = await classifier.classify(generated.images);
  return {
    samples: generated.labels.length,
    accuracy: accuracy(c.predictions, generated.labels),
    fid: mnistFid(c.features, heldOutFeatures),
  };
}

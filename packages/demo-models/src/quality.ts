/** Quality figures of the demo: MNIST-FID (a Fréchet distance in the classifier's feature space) and PSNR. */

import { FeatureStatistics, frechetDistance } from '@tokenset/eval';
import { CLASSIFIER_FEATURES } from './classifier.js';

/** The Fréchet distance between two sets of classifier features (`[N·128]` each). */
export function mnistFid(a: Float32Array, b: Float32Array): number {
  const sa = new FeatureStatistics(CLASSIFIER_FEATURES).add(a).statistics();
  const sb = new FeatureStatistics(CLASSIFIER_FEATURES).add(b).statistics();
  return frechetDistance(sa, sb);
}

/** Mean PSNR (dB, peak 255) between image batches of equal size, image by image. */
export function meanPsnr(a: Uint8Array, b: Uint8Array, imageBytes: number): number {
  if (a.length !== b.length)
    throw new RangeError(`images: expected equal sizes, got ${a.length} and ${b.length}`);
  const n = a.length / imageBytes;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let se = 0;
    for (let j = i * imageBytes; j < (i + 1) * imageBytes; j++) se += (a[j] - b[j]) ** 2;
    const mse = se / imageBytes;
    total += mse === 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
  }
  return total / n;
}

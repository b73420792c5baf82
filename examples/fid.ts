/**
 * FID and Inception Score of a set of images, as torch-fidelity computes them.
 *
 *   npx tsx --conditions=source examples/fid.ts [inception.pth] [reference-stats.npz] [image ...]
 *
 * Without arguments it builds InceptionV3 with formula weights (untrained: the numbers are
 * meaningless, the computation is the real one) and computes the statistics and Inception Score of
 * crops of the demo image.
 */

import { fileURLToPath } from 'node:url';
import {
  FeatureStatistics,
  frechetDistance,
  InceptionV3,
  inceptionScore,
  loadStatistics,
} from '@tokenset/eval';
import { readImage } from '@tokenset/tokenizer';
import { smallInceptionWeights } from './small-models.js';

const [inceptionPath, refPath, ...files] = process.argv.slice(2);
const inception = inceptionPath
  ? await InceptionV3.load(inceptionPath)
  : await InceptionV3.load(smallInceptionWeights());
if (!inceptionPath)
  console.log('no weights given: InceptionV3 with UNTRAINED formula weights (numbers are meaningless)');

/** Crops `count` squares of side `size` from an image, as a flat [n, size, size, 3] batch. */
function crops(
  image: { width: number; height: number; data: Uint8Array },
  count: number,
  size: number,
  offset: number,
) {
  const out = new Uint8Array(count * size * size * 3);
  for (let n = 0; n < count; n++) {
    const x0 = (offset + n * 13) % (image.width - size);
    const y0 = (offset + n * 7) % (image.height - size);
    for (let y = 0; y < size; y++) {
      const from = ((y0 + y) * image.width + x0) * 3;
      out.set(image.data.subarray(from, from + size * 3), (n * size + y) * size * 3);
    }
  }
  return out;
}

async function features(batch: Uint8Array, n: number, size: number) {
  const stats = new FeatureStatistics(2048);
  const { pool, logits } = await inception.features(batch, { n, height: size, width: size });
  stats.add(pool);
  return { stats, logits };
}

if (files.length > 0) {
  // Your images (all the same size) against reference statistics such as adm_in256_stats.npz.
  const images = await Promise.all(files.map((f) => readImage(f)));
  const { width, height } = images[0];
  const batch = new Uint8Array(images.length * width * height * 3);
  for (const [i, im] of images.entries()) batch.set(im.data, i * width * height * 3);
  const stats = new FeatureStatistics(2048);
  const { pool, logits } = await inception.features(batch, { n: images.length, height, width });
  stats.add(pool);
  const fid = frechetDistance(stats.statistics(), await loadStatistics(refPath));
  console.log(`FID ${fid.toFixed(3)}, IS ${inceptionScore(logits, { splits: 1 }).mean.toFixed(3)}`);
} else {
  // No arguments: the features, statistics and Inception Score of crops of the demo photo. (The
  // Fréchet distance needs full-rank 2048×2048 covariances, i.e. more than 2,048 images per set.)
  const demo = await readImage(fileURLToPath(new URL('../packages/cli/assets/demo.png', import.meta.url)));
  const { stats, logits } = await features(crops(demo, 6, 96, 0), 6, 96);
  const { mu, sigma } = stats.statistics();
  console.log(
    `6 crops: mu[0..3] = ${Array.from(mu.subarray(0, 3), (v) => v.toFixed(4)).join(', ')}, sigma is ${Math.sqrt(sigma.length)}×${Math.sqrt(sigma.length)}`,
  );
  console.log(`Inception Score (1 split): ${inceptionScore(logits, { splits: 1 }).mean.toFixed(3)}`);
  console.log(
    'For a FID, pass real weights, reference statistics and images: examples/fid.ts inception.pth adm_in256_stats.npz a.png b.png ...',
  );
}
await inception.release();

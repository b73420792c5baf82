/**
 * Reconstruction: image → token set → image, and the set's order-invariance.
 *
 *   npx tsx --conditions=source examples/reconstruct.ts [tokenizer.pth] [image] [--out folder]
 *
 * Without a checkpoint it uses the trained demo tokenizer of @tokenset/demo-models (32×32 MNIST
 * digits) on a held-out digit, or on the image given. The result goes to --out (default:
 * tokenset-examples/reconstruct under the OS temp dir).
 */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_MODEL_PATHS, DIGIT_SIZE, mnistDigits } from '@tokenset/demo-models';
import { type RgbImage, writePng } from '@tokenset/image';
import { prepareImage, SetTokenizer } from '@tokenset/tokenizer';
import { exampleArgs } from './cli-args.js';

const { args, out } = exampleArgs('reconstruct');
// A checkpoint first (optional), then an image (optional).
const checkpoint = args[0]?.endsWith('.pth') || args[0]?.endsWith('.onnx') ? args[0] : undefined;
const imagePath = checkpoint
  ? (args[1] ?? fileURLToPath(new URL('../packages/cli/assets/demo.png', import.meta.url)))
  : args[0];

const tokenizer = await SetTokenizer.load(checkpoint ?? DEMO_MODEL_PATHS.tokenizer);
if (!checkpoint) console.log('no checkpoint given: using the trained demo tokenizer (32×32 MNIST digits)');

/** The first held-out digit 3 (no digit in it was seen in training). */
function heldOutDigit(): RgbImage {
  const { heldOut } = mnistDigits();
  const i = heldOut.labels.indexOf(3);
  const bytes = DIGIT_SIZE * DIGIT_SIZE * 3;
  return { width: DIGIT_SIZE, height: DIGIT_SIZE, data: heldOut.images.slice(i * bytes, (i + 1) * bytes) };
}

const image = imagePath ? await prepareImage(imagePath, tokenizer.imageSize) : heldOutDigit(); // the reference's centre crop
if (!imagePath) await writePng(join(out, 'input.png'), image);
const tokens = await tokenizer.encode(image); // Int32Array [M]
console.log(`${tokens.length} tokens:`, Array.from(tokens).join(' '));

// A set has no order: decoding the reversed tokens gives the same image.
const [decoded] = await tokenizer.decodeImages(tokens);
const [reversed] = await tokenizer.decodeImages(tokens.slice().reverse());
let maxDiff = 0;
for (let i = 0; i < decoded.data.length; i++)
  maxDiff = Math.max(maxDiff, Math.abs(decoded.data[i] - reversed.data[i]));
console.log(`decode(tokens) vs decode(reversed tokens): max pixel difference ${maxDiff}/255`);

const path = join(out, 'reconstruction.png');
await writePng(path, decoded);
console.log(`wrote ${path}`);
await tokenizer.release();

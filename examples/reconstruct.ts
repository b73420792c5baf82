/**
 * Reconstruction: image → token set → image, and the set's order-invariance.
 *
 *   npx tsx --conditions=source examples/reconstruct.ts [tokenizer.pth] [image] [--out folder]
 *
 * Without a checkpoint it uses a small untrained tokenizer built from formula weights. The result
 * goes to --out (default: tokenset-examples/reconstruct under the OS temp dir).
 */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePng } from '@tokenset/image';
import { prepareImage, SetTokenizer } from '@tokenset/tokenizer';
import { exampleArgs } from './cli-args.js';
import { smallTokenizerWeights } from './small-models.js';

const { args, out } = exampleArgs('reconstruct');
const [checkpoint, imagePath = fileURLToPath(new URL('../packages/cli/assets/demo.png', import.meta.url))] =
  args;

const tokenizer = checkpoint
  ? await SetTokenizer.load(checkpoint)
  : await SetTokenizer.load(smallTokenizerWeights(), { numHeads: 4 });
if (!checkpoint) console.log('no checkpoint given: using a small UNTRAINED tokenizer (the output is noise)');

const image = await prepareImage(imagePath, tokenizer.imageSize); // the reference's centre crop
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

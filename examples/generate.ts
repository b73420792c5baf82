/**
 * Class-conditional generation with Fixed-Sum Discrete Diffusion.
 *
 *   npx tsx --conditions=source examples/generate.ts [fsdd.pth tokenizer.pth] [class ...]
 *
 * Without checkpoints it uses small untrained models built from formula weights.
 */

import { DiT1D } from '@tokenset/dit1d';
import { sample } from '@tokenset/fsdd';
import { SetTokenizer, writePng } from '@tokenset/tokenizer';
import { smallGeneratorOnnx, smallTokenizerWeights } from './small-models.js';

const args = process.argv.slice(2);
const withCheckpoints = args.length >= 2 && /\.(pth|onnx)$/.test(args[0]);
const [modelPath, tokenizerPath] = withCheckpoints ? args : [];
const classes = (withCheckpoints ? args.slice(2) : args).map(Number);
if (classes.length === 0) classes.push(...(withCheckpoints ? [207, 360] : [1, 2]));

const dit = await DiT1D.load(modelPath ?? smallGeneratorOnnx());
const tokenizer = tokenizerPath
  ? await SetTokenizer.load(tokenizerPath)
  : await SetTokenizer.load(smallTokenizerWeights(), { numHeads: 4 });
if (!withCheckpoints)
  console.log('no checkpoints given: using small UNTRAINED models (the images are noise)');

// The reference sampler: 25 steps, guidance "4_50_55", top-p 0.8 for x0, multinomial for x_t.
// Each image has its own seed, so it does not depend on the batch it is sampled in.
const { tokens } = await sample(dit, {
  labels: classes,
  seeds: classes.map((_, i) => i),
  steps: 25,
  onStep: ({ step, steps }) => {
    process.stdout.write(`\rstep ${step + 1}/${steps}`);
  },
});
process.stdout.write('\n');

const images = await tokenizer.decodeImages(tokens);
for (const [i, image] of images.entries()) {
  await writePng(`generated-${i}-class${classes[i]}.png`, image);
  console.log(`wrote generated-${i}-class${classes[i]}.png`);
}
await dit.release();
await tokenizer.release();

/**
 * Class-conditional generation with Fixed-Sum Discrete Diffusion.
 *
 *   npx tsx --conditions=source examples/generate.ts [fsdd.pth tokenizer.pth] [class ...] [--out folder]
 *
 * Without checkpoints it uses the trained demo models of @tokenset/demo-models (MNIST digits: the
 * classes are digits 0–9). Images go to --out (default: tokenset-examples/generate under the OS
 * temp dir).
 */

import { join } from 'node:path';
import { DEMO_MODEL_PATHS } from '@tokenset/demo-models';
import { DiT1D } from '@tokenset/dit1d';
import { sample, samplerSettings } from '@tokenset/fsdd';
import { writePng } from '@tokenset/image';
import { SetTokenizer } from '@tokenset/tokenizer';
import { exampleArgs, progress } from './cli-args.js';

const { args, out } = exampleArgs('generate');
const withCheckpoints = args.length >= 2 && /\.(pth|onnx)$/.test(args[0]);
const [modelPath, tokenizerPath] = withCheckpoints ? args : [];
const classes = (withCheckpoints ? args.slice(2) : args).map(Number);
if (classes.length === 0) classes.push(...(withCheckpoints ? [207, 360] : [1, 2]));

const dit = await DiT1D.load(modelPath ?? DEMO_MODEL_PATHS.generator);
const tokenizer = await SetTokenizer.load(tokenizerPath ?? DEMO_MODEL_PATHS.tokenizer);
if (!withCheckpoints)
  console.log('no checkpoints given: using the trained demo models (32×32 MNIST digits; classes are digits)');

// The reference sampler (fsdd's 'reference' preset: 25 steps, guidance "4_50_55", top-p 0.8 for x0).
// Each image has its own seed, so it does not depend on the batch it is sampled in.
const show = progress('step');
const { tokens } = await sample(dit, {
  ...samplerSettings({ preset: 'reference' }, { setSize: dit.setSize }),
  labels: classes,
  seeds: classes.map((_, i) => i),
  onStep: ({ step, steps }) => show(step + 1, steps),
});

const images = await tokenizer.decodeImages(tokens);
for (const [i, image] of images.entries()) {
  const path = join(out, `generated-${i}-class${classes[i]}.png`);
  await writePng(path, image);
  console.log(`wrote ${path}`);
}
await dit.release();
await tokenizer.release();

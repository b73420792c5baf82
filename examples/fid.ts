/**
 * The FID protocol through @tokenset/eval's API: `sampleFid` generates the images of a plan in
 * shards (resumable, every image a function of its index), `finishFidRun` merges them into
 * statistics bit-identical to one unsharded run, FID and Inception Score.
 *
 *   npx tsx --conditions=source examples/fid.ts [fsdd.pth tokenizer.pth inception.pth [ref.npz]] [--out folder]
 *
 * Without checkpoints it runs a tiny plan (2 classes × 2 images, two shards) on small UNTRAINED
 * models (the numbers are meaningless, the computation is the real one). The run folder is --out
 * (default: tokenset-examples/fid under the OS temp dir).
 */

import { DiT1D } from '@tokenset/dit1d';
import { finishFidRun, InceptionV3, type RunModels, sampleFid } from '@tokenset/eval';
import { sample, samplerSettings } from '@tokenset/fsdd';
import { SetTokenizer } from '@tokenset/tokenizer';
import { exampleArgs, progress } from './cli-args.js';
import { smallGeneratorOnnx, smallInceptionWeights, smallTokenizerWeights } from './small-models.js';

const { args, out } = exampleArgs('fid');
const [modelPath, tokenizerPath, inceptionPath, refPath] = args;
const real = inceptionPath !== undefined;
const dit = await DiT1D.load(modelPath && real ? modelPath : smallGeneratorOnnx());
const tokenizer = real
  ? await SetTokenizer.load(tokenizerPath)
  : await SetTokenizer.load(smallTokenizerWeights(), { numHeads: 4 });
const inception = await InceptionV3.load(real ? inceptionPath : smallInceptionWeights());
if (!real)
  console.log('no checkpoints given: small UNTRAINED models and a tiny plan (numbers are meaningless)');

const sampler = samplerSettings({ steps: real ? 25 : 5 }, { setSize: dit.setSize });
const models: RunModels = {
  generate: async (labels, seeds) =>
    tokenizer.decode((await sample(dit, { ...sampler, labels, seeds })).tokens),
  features: (images, n, size) => inception.features(images, { n, height: size, width: size }),
};
const plan = real ? undefined : { classes: 2, perClass: 2, seed: 0, batchSize: 1 }; // default: 1000 × 50
const shards = real ? 1 : 2;
for (let index = 0; index < shards; index++) {
  // Each shard could run on another machine into the same folder (a Slurm array, an indexed job).
  const show = progress(`shard ${index}/${shards}: images`);
  const report = await sampleFid(out, {
    plan,
    sampler,
    imageSize: tokenizer.imageSize,
    shard: { index, count: shards },
    models,
    onProgress: (e) => e.status === 'batch' && show(e.done, e.total),
  });
  console.log(`shard ${index}/${shards}: ${report.generated} generated, ${report.skipped} already done`);
}
const results = await finishFidRun(out, { reference: refPath, splits: real ? 10 : 1 });
console.log(
  `${results.images} images${results.fid === undefined ? '' : `, FID ${results.fid.toFixed(3)}`}, Inception Score ${results.inceptionScore.mean.toFixed(3)}`,
);
console.log(`run folder: ${out} (statistics.npz, results.json)`);
await Promise.all([dit.release(), tokenizer.release(), inception.release()]);

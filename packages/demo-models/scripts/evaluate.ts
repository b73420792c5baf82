/**
 * Measures the trained demo models on the 1,000 held-out digits and writes `models/evaluation.json`
 * (the figures `tokenset demo` prints as "measured at training time"):
 *
 *   npx tsx --conditions=source packages/demo-models/scripts/evaluate.ts [models-dir] [per-class]
 *
 * Reconstruction: classifier accuracy on reconstructions vs originals, mean PSNR, order invariance.
 * Generation (100 per class, seeds 0…999): accuracy and MNIST-FID against the held-out digits, at the
 * reference defaults, without guidance and with the high-quality preset, beside two baselines
 * measured in the same run: training digits (the floor) and decodes of random token sets (the ceiling).
 * The same at the demo generator's defaults (`DEMO_SAMPLER`, the high-quality preset), with and
 * without guidance, and with its draws adjusted to the fixed sum at every step (the preset's
 * adjustment step 1.0 never adjusts them).
 * int8: the same digits at the demo's defaults (same seeds) from the generator loaded with
 * `dtype: 'int8'` (its linear layers dynamically quantized), beside fp32.
 */

import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DiT1D } from '@tokenset/dit1d';
import { SetTokenizer } from '@tokenset/tokenizer';
import {
  DEMO_MODEL_PATHS,
  DEMO_SAMPLER,
  DigitClassifier,
  generateDigits,
  generationQuality,
  mnistDigits,
  mnistFid,
  reconstructionQuality,
} from '../src/index.js';

const dir = resolve(process.argv[2] ?? join(DEMO_MODEL_PATHS.tokenizer, '..'));
const perClass = Number(process.argv[3] ?? 100);
const log = (text: string) => process.stderr.write(`${text}\n`);
/** The runs' names in `generation` and the summary. */
const DEMO = 'demo defaults (the high-quality preset)';
const DEMO_UNGUIDED = 'demo defaults, no guidance';
/** The preset never adjusts its draws (adjustment step 1.0): this run keeps the fixed sum at every step. */
const DEMO_FIXED_SUM = 'demo defaults, fixed sum at every step';
const INT8_DEMO = 'int8 (demo defaults)';
const tokenizer = await SetTokenizer.load(join(dir, 'tokenizer.pth'));
const generator = await DiT1D.load(join(dir, 'generator.pth'));
const int8Generator = await DiT1D.load(join(dir, 'generator.pth'), { dtype: 'int8' });
const classifier = await DigitClassifier.load(join(dir, 'classifier.pth'));
const { train, heldOut } = mnistDigits();

const started = performance.now();
const rec = await reconstructionQuality(tokenizer, classifier, heldOut);
log(
  `reconstruction: accuracy ${rec.accuracy} (originals ${rec.originalAccuracy}), PSNR ${rec.psnr.toFixed(2)} dB, order-invariant ${rec.orderInvariant}`,
);
const heldFeatures = (await classifier.classify(heldOut.images)).features;

// Floor: 1,000 training digits (100 per class, evenly spread) against the held-out digits.
const perClassTrain: number[][] = Array.from({ length: 10 }, () => []);
train.labels.forEach((label, i) => {
  perClassTrain[label].push(i);
});
const floorImages = new Uint8Array(1000 * 3072);
perClassTrain.forEach((indices, d) => {
  for (let k = 0; k < 100; k++) {
    const j = indices[Math.floor((k * indices.length) / 100)];
    floorImages.set(train.images.subarray(j * 3072, (j + 1) * 3072), (d * 100 + k) * 3072);
  }
});
const floorFid = mnistFid((await classifier.classify(floorImages)).features, heldFeatures);

// Ceiling: 1,000 random token sets (uniform tokens, seeded) decoded.
let state = 12345;
const random = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};
const randomTokens = Int32Array.from({ length: 1000 * tokenizer.setSize }, () =>
  Math.floor(random() * tokenizer.codebookSize),
);
const ceilingFid = mnistFid(
  (await classifier.classify(await tokenizer.decode(randomTokens))).features,
  heldFeatures,
);
log(
  `baselines: floor (training digits) ${floorFid.toFixed(2)}, ceiling (random token sets) ${ceilingFid.toFixed(2)}`,
);

const settings = {
  [DEMO]: DEMO_SAMPLER,
  [DEMO_UNGUIDED]: { ...DEMO_SAMPLER, guidance: 'none' as const },
  [DEMO_FIXED_SUM]: { ...DEMO_SAMPLER, adjustFrom: 0 },
  reference: {},
  'no guidance': { guidance: 'none' as const },
  [INT8_DEMO]: DEMO_SAMPLER,
};
const generation: Record<string, { accuracy: number; fid: number; seconds: number }> = {};
for (const [name, options] of Object.entries(settings)) {
  const t0 = performance.now();
  const model = name === INT8_DEMO ? int8Generator : generator;
  const samples = await generateDigits(model, tokenizer, {
    ...options,
    perClass,
    seed: 0,
    onProgress: (done, total) => log(`  ${name}: ${done}/${total}`),
  });
  const q = await generationQuality(classifier, samples, heldFeatures);
  generation[name] = { accuracy: q.accuracy, fid: q.fid, seconds: (performance.now() - t0) / 1000 };
  log(`generation (${name}): accuracy ${q.accuracy}, MNIST-FID ${q.fid.toFixed(2)}`);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const run = (name: string) =>
  `accuracy ${pct(generation[name].accuracy)}, MNIST-FID ${generation[name].fid.toFixed(2)}`;
/** An int8 run beside the fp32 run of the same settings. */
const int8Line = (int8: string, fp32: string) => {
  const points = 100 * (generation[int8].accuracy - generation[fp32].accuracy);
  return `${int8}: accuracy ${pct(generation[int8].accuracy)} (fp32 ${pct(generation[fp32].accuracy)}, ${points >= 0 ? '+' : ''}${points.toFixed(1)} points), MNIST-FID ${generation[int8].fid.toFixed(2)} (fp32 ${generation[fp32].fid.toFixed(2)})`;
};
const summary = [
  `measured at training time on the 1,000 held-out digits (packages/demo-models/scripts/evaluate.ts):`,
  `  reconstruction: classifier accuracy ${pct(rec.accuracy)} (originals ${pct(rec.originalAccuracy)}), mean PSNR ${rec.psnr.toFixed(2)} dB`,
  `  generation, ${perClass} per class, the demo generator's default sampler (the reference's high-quality preset: top-k 2 for both draws, adjustment step 1.0, i.e. never: sets of more than ${tokenizer.setSize} tokens keep their ${tokenizer.setSize} smallest ids): ${run(DEMO)} (floor: training digits ${floorFid.toFixed(2)}; ceiling: random token sets ${ceilingFid.toFixed(2)}); without guidance: ${run(DEMO_UNGUIDED)}; with the fixed sum kept at every step (adjustFrom 0): ${run(DEMO_FIXED_SUM)}`,
  `  at the reference's own settings (--preset reference): ${run('reference')}; without guidance: ${run('no guidance')}`,
  `  ${int8Line(INT8_DEMO, DEMO)}`,
];
const result = {
  reconstruction: {
    digits: rec.digits,
    accuracy: rec.accuracy,
    originalAccuracy: rec.originalAccuracy,
    psnr: rec.psnr,
    orderInvariant: rec.orderInvariant,
  },
  generation,
  baselines: { floorTrainingDigits: floorFid, ceilingRandomTokenSets: ceilingFid },
  seconds: (performance.now() - started) / 1000,
  summary,
};
await writeFile(join(dir, 'evaluation.json'), `${JSON.stringify(result, null, 2)}\n`);
log(summary.join('\n'));
await tokenizer.release();
await generator.release();
await int8Generator.release();
await classifier.release();

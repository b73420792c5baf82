/**
 * The reference's default sampler run on the Bayes-optimal denoiser of the training token sets:
 * what the generator would predict had it learnt its training objective exactly.
 *
 *   npx tsx --conditions=source packages/demo-models/scripts/bayes-denoiser.ts [per-class] [τ] [where] [preset] [guidance] [generator.pth]
 *
 * (default: 20 per class, τ = 1, everywhere, the reference's defaults; `guidance`, unless empty, overrides the preset's;
 * the committed generator)
 *
 * Given a state z_t, the denoiser weighs every training digit's token set x by the likelihood that
 * FSDD's training process noises x into z_t (per entry: the set noise is 1 with probability M/C,
 * then the discretised Gaussian draw; the greedy adjustment is left out, a floor of 1e-4 per value
 * stands for it), raised to the power τ (τ < 1: a blurrier posterior, τ = 0: the class's average
 * set whatever the state), over the label's class (all classes for the null label); its prediction
 * is the weighted mixture of those sets' counts. `where` limits it to a range of t (`lo-hi`, e.g.
 * `0.667-1.1`), and with `:cond` or `:uncond` to the labelled or the null-label rows there; the
 * generator predicts the rest. Prints the class accuracy and MNIST-FID of the decoded
 * digits, the accuracy per class, and step by step how many of the x0 draws and of the new states
 * decode to the requested class (a set of other than M tokens decoded as the sampler decodes it,
 * by `tokensFromCounts`).
 */

import { DiT1D } from '@tokenset/dit1d';
import { type Denoiser, SAMPLER_PRESETS, type SamplerPresetName, sample } from '@tokenset/fsdd';
import { tokensFromCounts } from '@tokenset/set-codec';
import { SetTokenizer } from '@tokenset/tokenizer';
import {
  accuracy,
  DEMO_MODEL_PATHS,
  DIGIT_CLASSES,
  DigitClassifier,
  mnistDigits,
  mnistFid,
} from '../src/index.js';

const perClass = Number(process.argv[2] ?? 20);
const tau = Number(process.argv[3] ?? 1);
const where = process.argv[4] ?? 'all';
const preset = (process.argv[5] ?? 'reference') as SamplerPresetName;
const guidance = process.argv[6] || undefined;
const generatorPath = process.argv[7] ?? DEMO_MODEL_PATHS.generator;
/** Likelihood floor per entry: stands for the greedy adjustment, which the likelihood leaves out. */
const FLOOR = 1e-4;

const tokenizer = await SetTokenizer.load(DEMO_MODEL_PATHS.tokenizer);
const generator = await DiT1D.load(generatorPath);
const classifier = await DigitClassifier.load(DEMO_MODEL_PATHS.classifier);
const C = generator.codebookSize;
const M = generator.setSize;
const K = M + 1;
const { train, heldOut } = mnistDigits();

// The training digits' token sets, sparse: digit i's entries and counts are [starts[i], starts[i+1]).
const sets = await tokenizer.encodeCounts(train.images);
const starts = new Int32Array(train.count + 1);
const entries: number[] = [];
const counts: number[] = [];
for (let i = 0; i < train.count; i++) {
  for (let c = 0; c < C; c++) {
    if (sets[i * C + c] > 0) {
      entries.push(c);
      counts.push(sets[i * C + c]);
    }
  }
  starts[i + 1] = entries.length;
}

/** log P(z = k | x0 = x) at time t, `[x·K + k]`: FSDD's per-entry noising, floored. */
function logLikelihoods(t: number): Float64Array {
  const table = new Float64Array(K * K);
  const noiseOne = M / C;
  for (let x = 0; x <= M; x++) {
    const p = new Float64Array(K);
    for (const [n, pn] of [
      [0, 1 - noiseOne],
      [1, noiseOne],
    ]) {
      const mean = t * x + (1 - t) * n;
      const sigma = Math.abs(n - x) / 4 + 1e-6;
      const density = Array.from({ length: M }, (_, k) => Math.exp(-0.5 * ((k - mean) / sigma) ** 2));
      const total = density.reduce((a, b) => a + b, 0);
      // (no mass on 0..M-1 only when a whole set is one entry: left to the floor)
      if (total > 0) for (let k = 0; k < M; k++) p[k] += (pn * density[k]) / total;
    }
    for (let k = 0; k < K; k++) table[x * K + k] = Math.log(p[k] + FLOOR);
  }
  return table;
}

const tables = new Map<number, Float64Array>();
const weights = new Float64Array(train.count);
const bayes: Denoiser = {
  codebookSize: C,
  setSize: M,
  numClasses: DIGIT_CLASSES,
  async probabilities(state, t, labels) {
    const out = new Float32Array(labels.length * C * K);
    for (let b = 0; b < labels.length; b++) {
      if (!tables.has(t[b])) tables.set(t[b], logLikelihoods(t[b]));
      const table = tables.get(t[b])!;
      const z = state.subarray(b * C, (b + 1) * C);
      // log-weights relative to the empty set's (the same for every digit), tempered by τ
      let top = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < train.count; i++) {
        let w = Number.NEGATIVE_INFINITY;
        if (labels[b] === DIGIT_CLASSES || train.labels[i] === labels[b]) {
          w = 0;
          for (let j = starts[i]; j < starts[i + 1]; j++) {
            const k = z[entries[j]];
            w += table[counts[j] * K + k] - table[k];
          }
          w *= tau;
        }
        weights[i] = w;
        top = Math.max(top, w);
      }
      let total = 0;
      for (let i = 0; i < train.count; i++) total += weights[i] = Math.exp(weights[i] - top);
      // the mixture of the sets' counts: every entry starts at count 0 with probability 1
      const o = b * C * K;
      for (let c = 0; c < C; c++) out[o + c * K] = 1;
      for (let i = 0; i < train.count; i++) {
        const w = weights[i] / total;
        if (w < 1e-12) continue;
        for (let j = starts[i]; j < starts[i + 1]; j++) {
          out[o + entries[j] * K] -= w;
          out[o + entries[j] * K + counts[j]] += w;
        }
      }
      for (let c = 0; c < C; c++) out[o + c * K] = Math.max(0, out[o + c * K]);
    }
    return out;
  },
};

// The Bayes denoiser where `where` says, the committed generator elsewhere.
const [range, part] = where.split(':');
const [lo, hi] = range === 'all' ? [0, 2] : range.split('-').map(Number);
const denoiser: Denoiser = {
  codebookSize: C,
  setSize: M,
  numClasses: DIGIT_CLASSES,
  async probabilities(state, t, labels) {
    if (!(t[0] >= lo && t[0] < hi)) return generator.probabilities(state, t, labels);
    const exact = await bayes.probabilities(state, t, labels);
    if (part === undefined) return exact;
    const learnt = await generator.probabilities(state, t, labels);
    for (let b = 0; b < labels.length; b++) {
      const isNull = labels[b] === DIGIT_CLASSES;
      if ((part === 'uncond') !== isNull) exact.set(learnt.subarray(b * C * K, (b + 1) * C * K), b * C * K);
    }
    return exact;
  },
};

/** Per step (by model time): the x0 draws' and the new states' tokens, every row. */
const trace = new Map<number, { tNext: number; x0: number[]; state: number[] }>();

const total = perClass * DIGIT_CLASSES;
const labels = Int32Array.from({ length: total }, (_, i) => Math.floor(i / perClass));
const images = new Uint8Array(total * 3072);
for (let start = 0; start < total; start += 100) {
  const rows = labels.subarray(start, Math.min(total, start + 100));
  const seeds = Array.from(rows, (_, i) => `${start + i}`);
  const result = await sample(denoiser, {
    ...SAMPLER_PRESETS[preset],
    ...(guidance === undefined ? {} : { guidance }),
    seeds,
    labels: rows,
    onStep: ({ t, tNext, x0, counts: state }) => {
      if (!trace.has(t)) trace.set(t, { tNext, x0: [], state: [] });
      const step = trace.get(t)!;
      for (let b = 0; b < rows.length; b++) {
        step.x0.push(...tokensFromCounts(x0.subarray(b * C, (b + 1) * C), M));
        step.state.push(...tokensFromCounts(state.subarray(b * C, (b + 1) * C), M));
      }
    },
  });
  images.set(await tokenizer.decode(result.tokens), start * 3072);
}
const heldFeatures = (await classifier.classify(heldOut.images)).features;
const { predictions, features } = await classifier.classify(images);
const quality = { accuracy: accuracy(predictions, labels), fid: mnistFid(features, heldFeatures) };
const perClassAccuracy = Array.from({ length: DIGIT_CLASSES }, (_, y) => {
  const of = (a: Int32Array) => a.subarray(y * perClass, (y + 1) * perClass);
  return `${(100 * accuracy(of(predictions), of(labels))).toFixed(0)}%`;
});
console.log(
  `Bayes denoiser (τ = ${tau}, ${where}), ${preset} sampler${guidance === undefined ? '' : `, guidance ${guidance}`}, ${total} digits: accuracy ${(100 * quality.accuracy).toFixed(1)}%, MNIST-FID ${quality.fid.toFixed(1)}; per class ${perClassAccuracy.join(' ')}`,
);
const right = async (tokens: number[]) =>
  `${(100 * accuracy((await classifier.classify(await tokenizer.decode(Int32Array.from(tokens)))).predictions, labels)).toFixed(1)}%`;
const steps: string[] = [];
for (const [t, step] of trace) {
  steps.push(
    `t ${t.toFixed(2)}: x0 ${await right(step.x0)}, state at ${step.tNext.toFixed(2)} ${await right(step.state)}`,
  );
}
console.log(`the requested class, step by step:\n  ${steps.join('\n  ')}`);
await Promise.all([generator.release(), tokenizer.release(), classifier.release()]);

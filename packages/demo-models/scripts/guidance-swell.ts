/**
 * Why the reference's guidance ("4_50_55": scale 50 from t ≥ 1/3) loses this generator's classes:
 * measured on held-out token sets noised exactly as training noises them, at a fixed t.
 *
 *   npx tsx --conditions=source packages/demo-models/scripts/guidance-swell.ts [digits-per-class] [generator.pth]
 *
 * (default: 10 per class, the committed generator)
 *
 * For each t: how many of the state's M tokens are the digit's own, how often a linear read-out
 * (softmax regression trained on the training digits' sets noised the same way) finds the class of
 * a held-out digit's noised set (the clean sets first, for comparison), and how often the state,
 * decoded as it is, is the digit's class by the classifier. For each guidance scale s: the
 * guided prediction's expected set size (the data set has M = 32 tokens) and how many entries it
 * makes likely (P(count ≥ 1) > 0.5), split into entries of the digit's own set and others. Then what the unconditional (null-label) prediction knows of the
 * class: fitted as a mixture of the ten conditional predictions, the weight it gives the true class
 * (0.1 = none; meaningful only where the label matters: the mean spread of P(count ≥ 1) over the ten
 * labels, summed over entries, is printed beside it), and the scale-50 figures had it put 0.98 on
 * the true class instead.
 * Last, the sampler itself at the reference's defaults (2 digits per class): the mean size of its x0
 * draws at each step, and of its state.
 */

import { DiT1D } from '@tokenset/dit1d';
import { guide, sample, seededUniform, trainingExample } from '@tokenset/fsdd';
import { SetTokenizer } from '@tokenset/tokenizer';
import {
  accuracy,
  DEMO_MODEL_PATHS,
  DIGIT_CLASSES,
  DigitClassifier,
  HELD_OUT_PER_CLASS,
  mnistDigits,
} from '../src/index.js';

const perClass = Number(process.argv[2] ?? 10);
const generator = await DiT1D.load(process.argv[3] ?? DEMO_MODEL_PATHS.generator);
const tokenizer = await SetTokenizer.load(DEMO_MODEL_PATHS.tokenizer);
const classifier = await DigitClassifier.load(DEMO_MODEL_PATHS.classifier);
const C = generator.codebookSize;
const M = generator.setSize;
const K = M + 1;

/** Token sets (as counts `[rows·C]`) with their digits' classes. */
interface DigitSets {
  sets: Int32Array;
  labels: Int32Array;
}
const { train, heldOut } = mnistDigits();
const trainSets: DigitSets = { sets: await tokenizer.encodeCounts(train.images), labels: train.labels };
const heldOutSets: DigitSets = { sets: await tokenizer.encodeCounts(heldOut.images), labels: heldOut.labels };

// perClass held-out digits of every class (the held-out split is 100 per class, class by class)
const n = perClass * DIGIT_CLASSES;
const counts = new Int32Array(n * C);
const labels = new Int32Array(n);
for (let i = 0; i < n; i++) {
  const j = (i % DIGIT_CLASSES) * HELD_OUT_PER_CLASS + Math.floor(i / DIGIT_CLASSES);
  counts.set(heldOutSets.sets.subarray(j * C, (j + 1) * C), i * C);
  labels[i] = heldOut.labels[j];
}

/** The training process's noised state of `sets` (`[rows·C]`) at time t (its t draw replaced by t). */
function noisedAt(sets: Int32Array, t: number, seed = 7): { state: Int32Array; times: Float32Array } {
  const rows = sets.length / C;
  const stream = seededUniform(seed);
  let drawn = 0;
  // trainingExample draws the noise (rows·C uniforms), then t (rows), then the per-entry draws
  const uniform = () => {
    const u = stream();
    const i = drawn++;
    return i >= rows * C && i < rows * C + rows ? t : u;
  };
  const example = trainingExample(sets, { setSize: M, batch: rows, uniform });
  return { state: example.ztq, times: example.t };
}

/**
 * How much of the class a linear read-out finds in states at time t (1 = the clean sets): softmax
 * regression on the counts, trained 30 epochs by SGD on the training digits' sets (fresh noise every
 * epoch), scored on all held-out digits' noised sets.
 */
function linearReadOut(t: number, train: DigitSets, test: DigitSets): number {
  const weights = new Float64Array(C * DIGIT_CLASSES);
  const bias = new Float64Array(DIGIT_CLASSES);
  const logits = new Float64Array(DIGIT_CLASSES);
  const forward = (state: Int32Array, row: number) => {
    logits.set(bias);
    for (let c = 0; c < C; c++) {
      const count = state[row * C + c];
      if (count > 0)
        for (let y = 0; y < DIGIT_CLASSES; y++) logits[y] += count * weights[c * DIGIT_CLASSES + y];
    }
  };
  for (let epoch = 0; epoch < 30; epoch++) {
    const state = t === 1 ? train.sets : noisedAt(train.sets, t, epoch).state;
    for (let row = 0; row < train.labels.length; row++) {
      forward(state, row);
      const top = Math.max(...logits);
      let sum = 0;
      for (let y = 0; y < DIGIT_CLASSES; y++) sum += logits[y] = Math.exp(logits[y] - top);
      for (let y = 0; y < DIGIT_CLASSES; y++) {
        const step = 0.02 * (logits[y] / sum - (y === train.labels[row] ? 1 : 0));
        bias[y] -= step;
        for (let c = 0; c < C; c++) {
          const count = state[row * C + c];
          if (count > 0) weights[c * DIGIT_CLASSES + y] -= step * count;
        }
      }
    }
  }
  const state = t === 1 ? test.sets : noisedAt(test.sets, t, 1000).state;
  let right = 0;
  for (let row = 0; row < test.labels.length; row++) {
    forward(state, row);
    if (logits.indexOf(Math.max(...logits)) === test.labels[row]) right++;
  }
  return right / test.labels.length;
}

/** Expected set size and likely entries (own set / others) of distributions `[n·C·K]`, per row. */
function swell(p: Float32Array): string {
  let size = 0;
  let own = 0;
  let others = 0;
  for (let i = 0; i < n * C; i++) {
    const o = i * K;
    for (let k = 1; k < K; k++) size += k * p[o + k];
    if (1 - p[o] > 0.5) {
      if (counts[i] > 0) own++;
      else others++;
    }
  }
  const f = (v: number) => (v / n).toFixed(1);
  return `size ${f(size)}, likely ${f(own + others)} (own ${f(own)}, others ${f(others)})`;
}

/** Weights w (≥ 0, summing to 1) with Σ w_y·P_y(count ≥ 1) closest to the row's unconditional. */
function classWeights(row: number, byClass: Float32Array[], uncond: Float32Array): Float64Array {
  const w = new Float64Array(DIGIT_CLASSES).fill(1 / DIGIT_CLASSES);
  const grad = new Float64Array(DIGIT_CLASSES);
  for (let iteration = 0; iteration < 300; iteration++) {
    grad.fill(0);
    for (let c = 0; c < C; c++) {
      const o = (row * C + c) * K;
      let mixed = 0;
      for (let y = 0; y < DIGIT_CLASSES; y++) mixed += w[y] * (1 - byClass[y][o]);
      const residual = mixed - (1 - uncond[o]);
      for (let y = 0; y < DIGIT_CLASSES; y++) grad[y] += residual * (1 - byClass[y][o]);
    }
    let sum = 0;
    for (let y = 0; y < DIGIT_CLASSES; y++) {
      w[y] = Math.max(0, w[y] - 0.05 * grad[y]);
      sum += w[y];
    }
    for (let y = 0; y < DIGIT_CLASSES; y++) w[y] /= sum;
  }
  return w;
}

console.log(`${n} held-out digits (${perClass} per class), C = ${C}, M = ${M}`);
console.log(
  `a linear read-out finds the class of ${(100 * linearReadOut(1, trainSets, heldOutSets)).toFixed(1)}% of the held-out digits' clean sets`,
);
for (const t of [0.2, 0.4, 0.5, 0.6, 0.8]) {
  const { state, times } = noisedAt(counts, t);
  const cond = await generator.probabilities(state, times, labels);
  const uncond = await generator.probabilities(state, times, new Int32Array(n).fill(DIGIT_CLASSES));
  let own = 0;
  for (let i = 0; i < n * C; i++) own += Math.min(state[i], counts[i]);
  const readOut = linearReadOut(t, trainSets, heldOutSets);
  const decoded = accuracy(
    (await classifier.classify(await tokenizer.decodeCounts(state))).predictions,
    labels,
  );
  console.log(
    `t = ${t}: ${(own / n).toFixed(1)} of the state's ${M} tokens are the digit's own; a linear read-out finds the class of ${(100 * readOut).toFixed(1)}% of held-out states; decoded as they are, ${(100 * decoded).toFixed(1)}% are the digit's class`,
  );
  for (const s of [1, 4, 50]) {
    console.log(`  scale ${s}: ${swell(s === 1 ? cond : guide(cond, uncond, s, K))}`);
  }
  const byClass: Float32Array[] = [];
  for (let y = 0; y < DIGIT_CLASSES; y++) {
    byClass.push(await generator.probabilities(state, times, new Int32Array(n).fill(y)));
  }
  // the unconditional had it known the class: 0.98 on the true class, the rest spread evenly
  const knowing = new Float32Array(cond.length);
  const trueWeights: number[] = [];
  for (let b = 0; b < n; b++) {
    trueWeights.push(classWeights(b, byClass, uncond)[labels[b]]);
    for (let o = b * C * K; o < (b + 1) * C * K; o++) {
      let mixed = 0;
      for (let y = 0; y < DIGIT_CLASSES; y++) {
        mixed += (y === labels[b] ? 0.98 : 0.02 / (DIGIT_CLASSES - 1)) * byClass[y][o];
      }
      knowing[o] = mixed;
    }
  }
  trueWeights.sort((a, b) => a - b);
  let spread = 0;
  for (let i = 0; i < n * C; i++) {
    let low = 1;
    let high = 0;
    for (let y = 0; y < DIGIT_CLASSES; y++) {
      const p = 1 - byClass[y][i * K];
      low = Math.min(low, p);
      high = Math.max(high, p);
    }
    spread += high - low;
  }
  console.log(
    `  label spread ${(spread / n).toFixed(2)}; the unconditional's weight on the true class: median ${trueWeights[n >> 1].toFixed(3)}; scale 50 had it been 0.98: ${swell(guide(cond, knowing, 50, K))}`,
  );
}
const rows = Int32Array.from({ length: 2 * DIGIT_CLASSES }, (_, i) => i % DIGIT_CLASSES);
const perStep: string[] = [];
const meanSize = (values: Int32Array) => (values.reduce((a, v) => a + v, 0) / rows.length).toFixed(0);
await sample(generator, {
  labels: rows,
  seed: 0,
  onStep: ({ t, x0, counts: state }) => {
    perStep.push(`t ${t.toFixed(2)}: x0 ${meanSize(x0)}, state ${meanSize(state)}`);
  },
});
console.log(`the sampler at the reference's defaults, ${rows.length} digits, mean sizes per step:`);
console.log(`  ${perStep.join('; ')}`);
await Promise.all([generator.release(), tokenizer.release(), classifier.release()]);

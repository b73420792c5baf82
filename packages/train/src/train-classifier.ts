/**
 * Trains the measuring classifier on the MNIST training digits (random shifts of up to two pixels,
 * so that it judges generated digits by shape, not by exact placement). Writes `classifier.pth`,
 * a plain state dict that `@tokenset/demo-models` runs on onnxruntime.
 */

import { DIGIT_SIZE, mnistDigits } from '@tokenset/demo-models';
import { AdamW } from './adam.js';
import {
  checkResumedArgs,
  readTrainingState,
  resumeInto,
  stateDictOf,
  trainingStateTree,
  writeTreeAtomic,
} from './checkpoint-files.js';
import { CLASSIFIER_SHAPES, classifierForward } from './classifier-net.js';
import { batchImages, batchOrder, shiftImages } from './data.js';
import { crossEntropyLoss } from './dit1d-net.js';
import { fanIn, initParams } from './init.js';
import { runLogged, type TrainRunOptions } from './loop.js';
import { derivedSeed, uniformStream } from './random.js';
import { learningRate, positiveInteger, prepareOutput, writeJsonAtomic } from './run-files.js';
import { initBackend, tf } from './tf.js';

/** Options of {@link trainClassifier}. */
export interface TrainClassifierOptions extends TrainRunOptions {
  /** Steps (default 900: about three epochs at batch 32). */
  steps?: number;
}

const KIND = 'classifier';

/**
 * Trains the digit classifier.
 *
 * @example
 * ```ts
 * await trainClassifier({ out: 'runs/classifier' });
 * ```
 */
export async function trainClassifier(
  options: TrainClassifierOptions,
): Promise<{ classifierPath: string; steps: number }> {
  const steps = positiveInteger('steps', options.steps ?? 900);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 32);
  const peakLr = options.learningRate ?? 2e-3;
  const seed = options.seed ?? 0;
  const files = await prepareOutput(options.out, KIND, options.resume ?? false);
  const data = options.data ?? mnistDigits().train;
  const resumed = options.resume ? await readTrainingState(files.state, KIND) : undefined;
  const args = { steps, batchSize, learningRate: peakLr, seed };
  if (resumed !== undefined) checkResumedArgs(files.state, resumed.args, args);
  await initBackend();
  const params = initParams(
    CLASSIFIER_SHAPES,
    (e) =>
      e.shape.length === 1
        ? { kind: 'constant', value: 0 }
        : { kind: 'uniform', bound: Math.sqrt(6 / fanIn(e.shape)) },
    seed,
  );
  const optimizer = new AdamW(params);
  const startStep = resumed === undefined ? 0 : resumeInto(resumed, files.state, params, optimizer);
  const order = batchOrder(data.count, batchSize, seed);
  const save = async () => {
    await writeTreeAtomic(files.state, trainingStateTree(params, optimizer, { kind: KIND }, args));
    await writeTreeAtomic(files.model, stateDictOf(params));
    await writeJsonAtomic(files.config, {
      format: 'tokenset-mnist-classifier',
      trainedSteps: optimizer.step,
      ...args,
    });
    return files.state;
  };
  const step = (s: number) => {
    const indices = order(s);
    const pixels = batchImages(data, indices);
    shiftImages(pixels, DIGIT_SIZE, 2, uniformStream(derivedSeed(seed, 'shift', s)));
    const labels = Int32Array.from(indices, (i) => data.labels[i]);
    let accuracy = 0;
    const { value, grads } = tf.variableGrads(() => {
      const images = tf.tensor4d(pixels, [indices.length, DIGIT_SIZE, DIGIT_SIZE, 3]);
      const { logits } = classifierForward(params, images);
      const predicted = tf.argMax(logits, 1).dataSync() as Int32Array;
      accuracy = predicted.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0) / labels.length;
      return crossEntropyLoss(logits, tf.tensor1d(labels, 'int32'));
    });
    const loss = value.dataSync()[0];
    optimizer.apply(grads, learningRate(s, steps, peakLr));
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, accuracy };
  };
  const done = await runLogged(
    { kind: KIND, batchSize, step, save },
    { startStep, totalSteps: steps },
    files.log,
    options,
  );
  tf.dispose([...params.values()]);
  return { classifierPath: files.model, steps: done };
}

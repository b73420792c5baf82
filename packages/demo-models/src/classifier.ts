/**
 * The digit classifier that measures the demo models, on onnxruntime: the network of
 * `@tokenset/train`'s `classifier-net` (three 3×3 convolutions with ReLU and 2×2 average pooling,
 * a 128-d hidden layer, 10 logits) built from its state dict with `@tokenset/onnx-graph`. Its
 * hidden layer is the feature space of the "MNIST-FID".
 */

import { Graph, int, ints, linear } from '@tokenset/onnx-graph';
import { ModelSession } from '@tokenset/runtime';
import { type Float32StateDict, readCheckpoint, readFloat32StateDict } from '@tokenset/tensor-io';
import { DIGIT_SIZE } from './mnist.js';

/** Width of the classifier's feature vector (its hidden layer). */
export const CLASSIFIER_FEATURES = 128;

function weight(sd: Float32StateDict, name: string): { shape: number[]; data: Float32Array } {
  const t = sd.get(name);
  if (t === undefined) throw new Error(`classifier state dict: expected '${name}', got none`);
  return t;
}

/** The classifier as ONNX: input `images` float32 `[B, 3, 32, 32]` in [-1, 1]; outputs `features`, `logits`. */
export function buildClassifierGraph(sd: Float32StateDict): Graph {
  const g = new Graph({ name: 'mnist_classifier' });
  let x = g.input('images', 'float32', ['batch', 3, DIGIT_SIZE, DIGIT_SIZE]);
  for (const name of ['conv1', 'conv2', 'conv3']) {
    const w = weight(sd, `${name}.weight`);
    const b = weight(sd, `${name}.bias`);
    x = g.op('Conv', [x, g.constant(w.data, w.shape), g.constant(b.data, b.shape)], {
      kernel_shape: ints([3, 3]),
      pads: ints([1, 1, 1, 1]),
    });
    x = g.op('AveragePool', [g.op('Relu', [x])], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  }
  const flat = g.op('Flatten', [x], { axis: int(1) }); // [B, 1024], NCHW order
  const features = g.op('Relu', [linear(g, flat, weight(sd, 'fc1.weight'), weight(sd, 'fc1.bias'))]);
  const logits = linear(g, features, weight(sd, 'fc2.weight'), weight(sd, 'fc2.bias'));
  g.output(features, 'features', 'float32', ['batch', CLASSIFIER_FEATURES]);
  g.output(logits, 'logits', 'float32', ['batch', 10]);
  return g;
}

/** What the classifier says of a batch of digits. */
export interface Classification {
  /** `[N]` the most likely digit of each image. */
  predictions: Int32Array;
  /** `[N·128]` hidden-layer features (for the MNIST-FID). */
  features: Float32Array;
}

/** The digit classifier on onnxruntime. */
export class DigitClassifier {
  private constructor(private readonly session: ModelSession) {}

  /** Loads `classifier.pth` (a plain state dict). */
  static async load(source: string | Uint8Array): Promise<DigitClassifier> {
    const checkpoint = await readCheckpoint(source);
    let sd: Float32StateDict;
    try {
      sd = await readFloat32StateDict(checkpoint);
    } finally {
      await checkpoint.close();
    }
    return new DigitClassifier(await ModelSession.create(buildClassifierGraph(sd).toBytes()));
  }

  /**
   * Classifies RGB digit images: `Uint8Array [N·32·32·3]` (channels last, as the tokenizer decodes).
   */
  async classify(images: Uint8Array): Promise<Classification> {
    const pixels = DIGIT_SIZE * DIGIT_SIZE;
    if (images.length % (pixels * 3) !== 0) {
      throw new RangeError(
        `images: expected a multiple of ${pixels * 3} bytes (32×32 RGB), got ${images.length}`,
      );
    }
    const n = images.length / (pixels * 3);
    const chw = new Float32Array(n * 3 * pixels);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < pixels; p++)
        for (let c = 0; c < 3; c++)
          chw[(i * 3 + c) * pixels + p] = images[(i * pixels + p) * 3 + c] / 127.5 - 1;
    const out = await this.session.run({
      images: { type: 'float32', dims: [n, 3, DIGIT_SIZE, DIGIT_SIZE], data: chw },
    });
    const logits = out.logits.data as Float32Array;
    const predictions = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (logits[i * 10 + k] > logits[i * 10 + best]) best = k;
      predictions[i] = best;
    }
    return { predictions, features: out.features.data as Float32Array };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Share of `predictions` equal to `labels`. */
export function accuracy(predictions: Int32Array, labels: Int32Array): number {
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) hit++;
  return hit / labels.length;
}

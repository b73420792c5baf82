/**
 * The digit classifier used to measure the demo models (class accuracy and a Fréchet distance in
 * its feature space): three 3×3 convolutions with ReLU and 2×2 average pooling, a 128-d hidden
 * layer (the features) and 10 logits. Named like a PyTorch module so the weights are a plain state
 * dict; `@tokenset/demo-models` runs the same network on onnxruntime.
 */

import { convSame, linear, type Params } from './layers.js';
import { tf } from './tf.js';

/** Parameter names and shapes of the classifier (PyTorch layouts). */
export const CLASSIFIER_SHAPES: { name: string; shape: number[] }[] = [
  { name: 'conv1.weight', shape: [32, 3, 3, 3] },
  { name: 'conv1.bias', shape: [32] },
  { name: 'conv2.weight', shape: [64, 32, 3, 3] },
  { name: 'conv2.bias', shape: [64] },
  { name: 'conv3.weight', shape: [64, 64, 3, 3] },
  { name: 'conv3.bias', shape: [64] },
  { name: 'fc1.weight', shape: [128, 1024] },
  { name: 'fc1.bias', shape: [128] },
  { name: 'fc2.weight', shape: [10, 128] },
  { name: 'fc2.bias', shape: [10] },
];

/** 2×2 average pooling of channels-last `[B, H, W, C]`. */
function avgPool2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  return tf.mean(x.reshape([b, h / 2, 2, w / 2, 2, c]), [2, 4]) as tf.Tensor4D;
}

/** The classifier's activations, each after its ReLU: three convolution maps and the features. */
export interface ClassifierActivations {
  /** `[B, 32, 32, 32]`, `[B, 16, 16, 64]`, `[B, 8, 8, 64]` (channels last, before pooling). */
  maps: tf.Tensor4D[];
  /** The 128-d hidden layer `[B, 128]`. */
  features: tf.Tensor2D;
}

/** Images `[B, 32, 32, 3]` in [-1, 1] → the activations of every layer but the logits. */
export function classifierActivations(p: Params, images: tf.Tensor4D): ClassifierActivations {
  const maps: tf.Tensor4D[] = [];
  let x = images;
  for (const name of ['conv1', 'conv2', 'conv3']) {
    const map = tf.relu(convSame(p, x, name, true)) as tf.Tensor4D;
    maps.push(map);
    x = avgPool2(map); // 16, 8, then 4 pixels square
  }
  const flat = tf.transpose(x, [0, 3, 1, 2]).reshape([x.shape[0], 1024]); // PyTorch's NCHW flatten
  return { maps, features: tf.relu(linear(p, flat, 'fc1')) as tf.Tensor2D };
}

/** Images `[B, 32, 32, 3]` in [-1, 1] → `{ features [B, 128], logits [B, 10] }`. */
export function classifierForward(
  p: Params,
  images: tf.Tensor4D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  const { features } = classifierActivations(p, images);
  return { features, logits: linear(p, features, 'fc2') as tf.Tensor2D };
}

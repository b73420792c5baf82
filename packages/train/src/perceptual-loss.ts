/**
 * A perceptual (feature-matching) loss for the tokenizer's decoder, in the spirit of LPIPS (Zhang et
 * al., 2018), which the reference's VQGAN-style tokenizers train with: reconstruction and original go
 * through a frozen network, and the loss compares their activations layer by layer: the mean squared
 * difference divided by the mean square of the original's activations (so that each layer counts
 * alike), summed over layers. LPIPS uses an ImageNet VGG; for digits the frozen network is a digit
 * classifier of `classifier-net.ts` (a separately trained one: the classifier that measures the demo
 * models must not also train them). LPIPS's unit-length scaling of each position's channels was
 * tried first and dropped: where a layer's ReLUs are all off (the background) it turns tiny
 * differences into unit vectors, the loss rose under training, and its gradient at zero is not finite
 * (a run went NaN after 390 steps).
 */

import { firstSizeMismatch } from './checkpoint-files.js';
import { CLASSIFIER_SHAPES, classifierActivations } from './classifier-net.js';
import { TrainError } from './errors.js';
import type { Params } from './layers.js';
import { tf } from './tf.js';

/** The frozen network and the loss's weight, as a gradient worker receives them. */
export interface PerceptualLoss {
  /** The classifier's state dict (`classifier.pth`). */
  weights: Record<string, Float32Array>;
  /** Factor on the distance, added to the reconstruction loss. */
  weight: number;
}

/** The classifier as variables that do not train, made once per thread and loss. */
const networks = new WeakMap<PerceptualLoss, Params>();

function networkOf(loss: PerceptualLoss): Params {
  let net = networks.get(loss);
  if (net === undefined) {
    net = new Map() as Params;
    for (const { name, shape } of CLASSIFIER_SHAPES)
      net.set(name, tf.variable(tf.tensor(loss.weights[name], shape), false));
    networks.set(loss, net);
  }
  return net;
}

/** Frees the network {@link perceptualDistance} made for `loss` on this thread. */
export function releasePerceptual(loss: PerceptualLoss): void {
  const net = networks.get(loss);
  if (net !== undefined) tf.dispose([...net.values()]);
  networks.delete(loss);
}

/** The perceptual distance between reconstructions and originals `[B, 32, 32, 3]` in [-1, 1], a scalar. */
export function perceptualDistance(loss: PerceptualLoss, rec: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
  const net = networkOf(loss);
  const a = classifierActivations(net, rec);
  const b = classifierActivations(net, target);
  const layers: [tf.Tensor, tf.Tensor][] = [
    ...a.maps.map((map, i): [tf.Tensor, tf.Tensor] => [map, b.maps[i]]),
    [a.features, b.features],
  ];
  const distances = layers.map(([x, y]) =>
    tf.div(tf.mean(tf.square(tf.sub(x, y))), tf.add(tf.mean(tf.square(y)), 1e-8)),
  );
  return tf.addN(distances) as tf.Scalar;
}

/**
 * Checks a classifier state dict for the perceptual loss (names and sizes of `classifier-net.ts`,
 * which reads 32×32 images) and the weight; `path` names the file in errors.
 */
export function perceptualLossOf(
  weights: Map<string, Float32Array>,
  path: string,
  weight: number,
  imageSize: number,
): PerceptualLoss {
  const bad = firstSizeMismatch(CLASSIFIER_SHAPES, weights);
  if (bad !== undefined) {
    throw new TrainError(
      `--perceptual ${path}: expected a digit classifier with '${bad.name}' of ${bad.size} values, got ${bad.got ?? 'none'}`,
    );
  }
  if (imageSize !== 32)
    throw new RangeError(
      `perceptual: expected 32×32 images (the classifier's), got ${imageSize}×${imageSize}`,
    );
  if (!(Number.isFinite(weight) && weight > 0))
    throw new RangeError(`perceptualWeight: expected a positive number, got ${weight}`);
  return { weights: Object.fromEntries(weights), weight };
}

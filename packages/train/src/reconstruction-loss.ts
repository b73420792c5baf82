/**
 * The tokenizer's reconstruction loss, pixels in [-1, 1]. `'mse'` is the default. `'clamped-mse'`
 * does not penalise a pixel that overshoots a target at the end of the range (below −1 where the
 * digit is black, above 1 where it is white): the decoder's output is clamped to [−1, 1] before it
 * becomes bytes, so such a pixel is exact, and the decoder need not spend its capacity hitting −1
 * exactly on the background (three quarters of an MNIST digit). `'l1'`: mean absolute error.
 */

import { tf } from './tf.js';

/** The reconstruction losses `trainTokenizer` offers. */
export type ReconstructionLoss = 'mse' | 'clamped-mse' | 'l1';

export const RECONSTRUCTION_LOSSES: readonly ReconstructionLoss[] = ['mse', 'clamped-mse', 'l1'];

/** The loss of `rec` against `target` (same shapes), a scalar mean over every pixel. */
export function reconstructionLoss(kind: ReconstructionLoss, rec: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const error = tf.sub(rec, target);
  if (kind === 'l1') return tf.mean(tf.abs(error)) as tf.Scalar;
  if (kind === 'mse') return tf.mean(tf.square(error)) as tf.Scalar;
  // Where the target is −1 keep only the error above it, where it is 1 only the error below.
  const atLow = tf.cast(tf.lessEqual(target, -1), 'float32');
  const atHigh = tf.cast(tf.greaterEqual(target, 1), 'float32');
  const kept = tf.sub(
    tf.sub(error, tf.mul(atLow, tf.minimum(error, 0))),
    tf.mul(atHigh, tf.maximum(error, 0)),
  );
  return tf.mean(tf.square(kept)) as tf.Scalar;
}

/** Checks a loss name given by a user. */
export function checkReconstructionLoss(value: unknown): ReconstructionLoss {
  if (!RECONSTRUCTION_LOSSES.includes(value as ReconstructionLoss)) {
    throw new RangeError(
      `loss: expected one of ${RECONSTRUCTION_LOSSES.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as ReconstructionLoss;
}

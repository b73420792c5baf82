/**
 * The loss of one shard of a batch, for each model that trains data-parallel. The main thread and
 * every gradient worker (gradient-worker.ts) run the same function on their rows, so a worker needs
 * only the model's kind, its sizes and the shard's arrays.
 */

import { crossEntropyLoss, type DiT1DNetConfig, dit1dLogits } from './dit1d-net.js';
import { l2Normalize, type Params } from './layers.js';
import { type PerceptualLoss, perceptualDistance } from './perceptual-loss.js';
import { type ReconstructionLoss, reconstructionLoss } from './reconstruction-loss.js';
import { tf } from './tf.js';
import { decodeQuantized, encodeLatent, quantize, type TokenizerNetConfig } from './tokenizer-net.js';

/** The models that train data-parallel, with their sizes. */
export type ShardModel =
  | { kind: 'dit1d'; config: DiT1DNetConfig }
  | {
      kind: 'tokenizer';
      config: TokenizerNetConfig;
      loss?: ReconstructionLoss;
      /** Added to the reconstruction loss when given. */
      perceptual?: PerceptualLoss;
      /** Only the decoder learns (`decoder.*`, `pixel_decoder.*`): the encoder and codebook stay. */
      decoderOnly?: boolean;
    };

/** A DiT1D shard: FSDD training examples (`trainingExample`'s z_t and t), labels and data counts. */
export interface DiT1DShard {
  rows: number;
  ztq: Int32Array;
  t: Float32Array;
  labels: Int32Array;
  x0: Int32Array;
}

/** A tokenizer shard: images `[rows·S·S·3]` in [-1, 1], and whether the quantizer is on yet. */
export interface TokenizerShard {
  rows: number;
  images: Float32Array;
  quantizing: boolean;
}

export type ShardInput = DiT1DShard | TokenizerShard;

/** What a shard reports besides its gradients: figures (means over its rows) and arrays. */
export interface ShardSide {
  figures: Record<string, number>;
  /** The tokenizer's codes `[rows·M]` and L2-normalised latents `[rows·M·T]` (for usage and restarts). */
  codes?: Int32Array;
  latents?: Float32Array;
}

/**
 * The shard's loss as a scalar tensor (its mean over the shard's rows), for `tf.variableGrads`;
 * `side` is filled in while the loss is built.
 */
export function shardLoss(model: ShardModel, p: Params, input: ShardInput, side: ShardSide): tf.Scalar {
  if (model.kind === 'dit1d') {
    const s = input as DiT1DShard;
    const C = model.config.codebookSize;
    const logits = dit1dLogits(
      p,
      model.config,
      tf.tensor2d(s.ztq, [s.rows, C], 'int32'),
      tf.tensor1d(s.t),
      tf.tensor1d(s.labels, 'int32'),
    );
    return crossEntropyLoss(logits, tf.tensor2d(s.x0, [s.rows, C], 'int32'));
  }
  const c = model.config;
  const s = input as TokenizerShard;
  const images = tf.tensor4d(s.images, [s.rows, c.imageSize, c.imageSize, 3]);
  const latent = encodeLatent(p, c, images);
  const q = s.quantizing ? quantize(p, c, latent) : undefined;
  const zq = q?.zq ?? (l2Normalize(latent) as tf.Tensor3D);
  const rec = decodeQuantized(p, c, zq);
  // The mean squared error is reported whatever loss trains, so that runs compare.
  const mse = tf.mean(tf.square(tf.sub(rec, images))) as tf.Scalar;
  side.figures.mse = mse.dataSync()[0];
  const kind = model.loss ?? 'mse';
  let recLoss = kind === 'mse' ? mse : reconstructionLoss(kind, rec, images);
  if (model.perceptual !== undefined) {
    const distance = perceptualDistance(model.perceptual, rec, images);
    side.figures.perceptual = distance.dataSync()[0];
    recLoss = tf.add(recLoss, tf.mul(distance, model.perceptual.weight)) as tf.Scalar;
  }
  if (q === undefined) {
    side.figures.vq = 0;
    return recLoss;
  }
  side.codes = q.codes;
  side.latents = q.normalised.dataSync() as Float32Array;
  side.figures.vq = q.loss.dataSync()[0];
  return tf.add(recLoss, q.loss) as tf.Scalar;
}

/** The parameters a step of `model` trains: all, or the decoder's alone. */
function trainedVariables(model: ShardModel, p: Params): tf.Variable[] | undefined {
  if (model.kind !== 'tokenizer' || !model.decoderOnly) return undefined;
  return [...p].filter(([name]) => isDecoderParameter(name)).map(([, v]) => v);
}

/** Whether a tokenizer parameter belongs to the decoder (the ViT decoder or the pixel decoder). */
function isDecoderParameter(name: string): boolean {
  return name.startsWith('decoder.') || name.startsWith('pixel_decoder.');
}

/** The shard's loss and its gradients (by parameter name) for the parameters the step trains. */
export function shardGradients(
  model: ShardModel,
  p: Params,
  input: ShardInput,
  side: ShardSide,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  return tf.variableGrads(() => shardLoss(model, p, input, side), trainedVariables(model, p));
}

/**
 * Row ranges of a batch of `rows` for `workers` workers holding at most `maxRows` rows each at a
 * time: as few rounds of `workers` shards as that allows, the shards as even as possible, in order.
 */
export function batchShards(
  rows: number,
  workers: number,
  maxRows = Number.POSITIVE_INFINITY,
): [number, number][] {
  const rounds = Math.max(1, Math.ceil(rows / (workers * maxRows)));
  return shardRanges(rows, rounds * workers);
}

/** Row ranges of `rows` rows over `shards` shards, as even as possible, in order. */
export function shardRanges(rows: number, shards: number): [number, number][] {
  return Array.from({ length: shards }, (_, i) => [
    Math.floor((i * rows) / shards),
    Math.floor(((i + 1) * rows) / shards),
  ]);
}

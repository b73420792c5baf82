/**
 * The TensorFlow.js forward passes of written checkpoints: the other half of the parity checks
 * between the training stack (TensorFlow.js) and the inference stack (onnxruntime).
 */

import { readFile } from 'node:fs/promises';
import { configFromStateDict, readDiT1DCheckpoint } from '@tokenset/dit1d';
import { readCheckpoint, readFloat32StateDict } from '@tokenset/tensor-io';
import { dit1dLogits } from './dit1d-net.js';
import type { Params } from './layers.js';
import { initBackend, tf } from './tf.js';
import {
  codebookEntries,
  decodeQuantized,
  encodeLatent,
  quantize,
  type TokenizerNetConfig,
} from './tokenizer-net.js';

/** Reads a checkpoint's float32 tensors (under `prefix`) as variables. */
export async function paramsFromCheckpoint(path: string, prefix?: string): Promise<Params> {
  await initBackend();
  const checkpoint = await readCheckpoint(path);
  try {
    const sd = await readFloat32StateDict(checkpoint, prefix);
    return new Map([...sd].map(([name, t]) => [name, tf.variable(tf.tensor(t.data, t.shape), false)]));
  } finally {
    await checkpoint.close();
  }
}

/** The tokenizer sizes recorded in `tokenizer.json` beside `tokenizer.pth`. */
export async function tokenizerConfigBeside(path: string): Promise<TokenizerNetConfig> {
  const json = JSON.parse(await readFile(`${path.replace(/\.pth$/i, '')}.json`, 'utf8'));
  return { ...json, heads: json.numHeads } as TokenizerNetConfig;
}

/**
 * Encodes and decodes uint8 images `[n, S, S, 3]` with TensorFlow.js from a written tokenizer:
 * the codes, and the decoding of those codes as `[n, 3, S, S]` (the layout onnxruntime returns).
 */
export async function tokenizerForward(
  path: string,
  images: Uint8Array,
  n: number,
): Promise<{ tokens: Int32Array; decodedNchw: Float32Array }> {
  const c = await tokenizerConfigBeside(path);
  const p = await paramsFromCheckpoint(path);
  try {
    const s = c.imageSize;
    const x = tf.tensor4d(
      Float32Array.from(images, (v) => v / 127.5 - 1),
      [n, s, s, 3],
    );
    const q = quantize(p, c, encodeLatent(p, c, x));
    const codes = tf.tensor2d(q.codes, [n, c.numLatentTokens], 'int32');
    const decoded = decodeQuantized(p, c, codebookEntries(p, codes));
    const out = (await tf.transpose(decoded, [0, 3, 1, 2]).data()) as Float32Array;
    return { tokens: q.codes, decodedNchw: out };
  } finally {
    tf.dispose([...p.values()]);
  }
}

/** DiT1D logits `[B·C·(M+1)]` with TensorFlow.js from a written generator (its `ema` weights). */
export async function dit1dForward(
  path: string,
  counts: Int32Array,
  t: Float32Array,
  labels: Int32Array,
): Promise<Float32Array> {
  await initBackend();
  // The sizes as DiT1D.load reads them: shapes from the weights, heads from `args.num_heads`.
  const { stateDict, numHeads } = await readDiT1DCheckpoint(path);
  const c = configFromStateDict(stateDict, { numHeads });
  const p: Params = new Map(
    [...stateDict].map(([name, w]) => [name, tf.variable(tf.tensor(w.data, w.shape), false)]),
  );
  try {
    const b = t.length;
    const logits = dit1dLogits(
      p,
      c,
      tf.tensor2d(counts, [b, c.codebookSize], 'int32'),
      tf.tensor1d(t),
      tf.tensor1d(labels, 'int32'),
    );
    return (await logits.data()) as Float32Array;
  } finally {
    tf.dispose([...p.values()]);
  }
}

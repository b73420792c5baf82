/**
 * Doubles the codebook of a trained tokenizer and of a generator trained on its token sets, as the
 * start of fine-tuning both at the larger size (how the committed demo models grew from 128 to 256
 * entries; see the README):
 *
 *   npx tsx --conditions=source packages/demo-models/scripts/grow-codebook.ts \
 *     tokenizer.pth generator.pth out-dir
 *
 * Writes `out-dir/tokenizer.pth` (+ `tokenizer.json`): every codebook entry followed, after the
 * old table, by a copy nudged by up to ±0.01 per coordinate and re-normalised, so the grown tokenizer
 * reconstructs as before (an image's latents pick one entry of each near-identical pair) and
 * fine-tuning can pull each pair apart, splitting the entry's cell in two. And `out-dir/generator.pth`
 * (its EMA weights only, what `tokenset train --init` reads): `pos_embed` repeated for the new
 * entries, the count embedding `x_embedder.embedding_table` ([C+1, D] in the reference's layout,
 * indexed by counts ≤ M) padded with zero rows that no count reads.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type NdArray,
  readCheckpoint,
  readFloat32StateDict,
  writeCheckpoint,
  writeCheckpointTree,
} from '@tokenset/tensor-io';

const [tokenizerPath, generatorPath, out] = process.argv.slice(2);
if (out === undefined) {
  process.stderr.write('usage: grow-codebook.ts tokenizer.pth generator.pth out-dir\n');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

/** A fixed linear congruential stream in [-0.5, 0.5): the nudges are the same on every machine. */
let state = 7;
const nudge = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32 - 0.5;
};

const f32 = (shape: number[], data: Float32Array): NdArray => ({ dtype: 'float32', shape, data });

// The tokenizer: a plain state dict, the codebook doubled.
const tokenizer = new Map<string, NdArray>();
for (const [name, t] of await readFloat32StateDict(await readCheckpoint(tokenizerPath))) {
  if (name !== 'quantize.embedding.weight') {
    tokenizer.set(name, f32([...t.shape], t.data));
    continue;
  }
  const [C, D] = t.shape;
  const table = new Float32Array(2 * C * D);
  table.set(t.data);
  for (let i = 0; i < C; i++) {
    const entry = Float32Array.from(t.data.subarray(i * D, (i + 1) * D), (v) => v + 0.02 * nudge());
    const norm = Math.hypot(...entry);
    table.set(
      entry.map((v) => v / norm),
      (C + i) * D,
    );
  }
  tokenizer.set(name, f32([2 * C, D], table));
}
await writeCheckpoint(join(out, 'tokenizer.pth'), tokenizer);
const json = JSON.parse(readFileSync(tokenizerPath.replace(/\.pth$/, '.json'), 'utf8'));
writeFileSync(
  join(out, 'tokenizer.json'),
  `${JSON.stringify({ ...json, codebookSize: 2 * json.codebookSize, grownFrom: tokenizerPath }, null, 2)}\n`,
);

// The generator: its EMA weights with the codebook axis doubled.
const ema = new Map<string, NdArray>();
for (const [name, t] of await readFloat32StateDict(await readCheckpoint(generatorPath), 'ema.')) {
  if (name === 'pos_embed') {
    const [, C, D] = t.shape;
    const grown = new Float32Array(2 * C * D);
    grown.set(t.data);
    grown.set(t.data, C * D);
    ema.set(name, f32([1, 2 * C, D], grown));
  } else if (name === 'x_embedder.embedding_table.weight') {
    const [rows, D] = t.shape;
    const grown = new Float32Array((2 * (rows - 1) + 1) * D);
    grown.set(t.data);
    ema.set(name, f32([2 * (rows - 1) + 1, D], grown));
  } else {
    ema.set(name, f32([...t.shape], t.data));
  }
}
await writeCheckpointTree(join(out, 'generator.pth'), new Map([['ema', ema]]));
process.stderr.write(`grown tokenizer and generator in ${out}/\n`);

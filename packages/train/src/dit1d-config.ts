/** The sizes of a written DiT1D: shapes from its weights, heads from `generator.json` beside it. */

import { readFile } from 'node:fs/promises';
import type { DiT1DNetConfig } from './dit1d-net.js';
import type { Params } from './layers.js';

export async function dit1dConfigOf(path: string, p: Params): Promise<DiT1DNetConfig> {
  const json = JSON.parse(
    await readFile(`${path.replace(/\.pth$/i, '')}.json`, 'utf8'),
  ) as Partial<DiT1DNetConfig>;
  const table = p.get('x_embedder.embedding_table.weight')!;
  const out = p.get('final_layer.linear.weight')!;
  const labels = p.get('y_embedder.embedding_table.weight')!;
  let depth = 0;
  while (p.has(`blocks.${depth}.attn.qkv.weight`)) depth++;
  return {
    codebookSize: table.shape[0] - 1,
    setSize: out.shape[0] - 1,
    hiddenSize: table.shape[1] as number,
    depth,
    numHeads: json.numHeads ?? 1,
    numClasses: labels.shape[0] - 1,
  };
}

import type { DiT1DConfig } from './config.js';

/** Sizes that define a DiT1D's parameters (a {@link DiT1DConfig} without what weights cannot tell). */
export type DiT1DSizes = Pick<
  DiT1DConfig,
  'codebookSize' | 'setSize' | 'hiddenSize' | 'depth' | 'numClasses'
> &
  Partial<Pick<DiT1DConfig, 'frequencySize' | 'mlpHiddenSize'>>;

/**
 * Every parameter name and shape of the reference DiT1D in state-dict order (as `shapes.json` of
 * the reference data lists them): for synthesising weights (`@tokenset/formula-weights`) of any size.
 */
export function dit1dShapes(sizes: DiT1DSizes): { name: string; shape: number[] }[] {
  const { codebookSize: C, setSize: M, hiddenSize: D, depth, numClasses } = sizes;
  const F = sizes.frequencySize ?? 256;
  const H = sizes.mlpHiddenSize ?? 4 * D;
  const out: { name: string; shape: number[] }[] = [
    { name: 'pos_embed', shape: [1, C, D] },
    { name: 'x_embedder.embedding_table.weight', shape: [C + 1, D] },
    { name: 't_embedder.mlp.0.weight', shape: [D, F] },
    { name: 't_embedder.mlp.0.bias', shape: [D] },
    { name: 't_embedder.mlp.2.weight', shape: [D, D] },
    { name: 't_embedder.mlp.2.bias', shape: [D] },
    { name: 'y_embedder.embedding_table.weight', shape: [numClasses + 1, D] },
  ];
  for (let i = 0; i < depth; i++) {
    const b = `blocks.${i}`;
    out.push(
      { name: `${b}.attn.qkv.weight`, shape: [3 * D, D] },
      { name: `${b}.attn.qkv.bias`, shape: [3 * D] },
      { name: `${b}.attn.proj.weight`, shape: [D, D] },
      { name: `${b}.attn.proj.bias`, shape: [D] },
      { name: `${b}.mlp.fc1.weight`, shape: [H, D] },
      { name: `${b}.mlp.fc1.bias`, shape: [H] },
      { name: `${b}.mlp.fc2.weight`, shape: [D, H] },
      { name: `${b}.mlp.fc2.bias`, shape: [D] },
      { name: `${b}.adaLN_modulation.1.weight`, shape: [6 * D, D] },
      { name: `${b}.adaLN_modulation.1.bias`, shape: [6 * D] },
    );
  }
  out.push(
    { name: 'final_layer.linear.weight', shape: [M + 1, D] },
    { name: 'final_layer.linear.bias', shape: [M + 1] },
    { name: 'final_layer.adaLN_modulation.1.weight', shape: [2 * D, D] },
    { name: 'final_layer.adaLN_modulation.1.bias', shape: [2 * D] },
  );
  return out;
}

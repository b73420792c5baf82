/** Recognising what a checkpoint holds from its tensor names. */

/** The kinds of checkpoint the command can convert and load. */
export type CheckpointKind = 'dit1d' | 'tokenizer' | 'inception';

/** All kinds, for messages. */
export const CHECKPOINT_KINDS: readonly CheckpointKind[] = ['dit1d', 'tokenizer', 'inception'];

/**
 * The kind of model whose state dict has these tensor names, or `undefined` when none matches:
 * DiT1D (`x_embedder.`, `t_embedder.`, `blocks.N.adaLN_modulation`; released files keep them under
 * `ema.`/`model.`), the set tokenizer (`encoder.`, `decoder.`, `quantize.`), or torch-fidelity's
 * InceptionV3 (`Conv2d_1a_3x3.`, `Mixed_5b.`…, `fc.`).
 */
export function detectCheckpointKind(names: Iterable<string>): CheckpointKind | undefined {
  let dit = 0;
  let tokenizer = 0;
  let inception = 0;
  for (const full of names) {
    const name = full.replace(/^(ema|model|state_dict|module)\./, '').replace(/^module\./, '');
    if (/^(x_embedder|t_embedder|y_embedder)\./.test(name) || /^blocks\.\d+\.adaLN_modulation/.test(name))
      dit++;
    if (/^(encoder|decoder|quantize|pixel_decoder|pixel_quantize|latent_tokens)\b/.test(name)) tokenizer++;
    if (/^(Conv2d_[1-4][ab]_|Mixed_[5-7][a-e]\.)/.test(name)) inception++;
  }
  const best = Math.max(dit, tokenizer, inception);
  if (best === 0) return undefined;
  if (best === dit) return 'dit1d';
  if (best === inception) return 'inception';
  return 'tokenizer';
}

/** The kind implied by a model file's extension-free name hint, for messages. */
export function describeKind(kind: CheckpointKind): string {
  switch (kind) {
    case 'dit1d':
      return 'a DiT1D generator (FSDD)';
    case 'tokenizer':
      return 'a set tokenizer';
    case 'inception':
      return "torch-fidelity's InceptionV3";
  }
}

import type { DiT1DConfig } from './config.js';

/**
 * Floating-point operations of one forward pass over `batch` rows, counted analytically
 * (a multiply-add is 2 FLOPs; matrix products only, plus attention's two products: the
 * element-wise work — norms, GELU, softmax, embeddings — is under 1% and left out).
 */
export function dit1dFlops(
  config: Pick<
    DiT1DConfig,
    'codebookSize' | 'setSize' | 'hiddenSize' | 'depth' | 'frequencySize' | 'mlpHiddenSize'
  >,
  batch: number,
): number {
  const { codebookSize: S, setSize: M, hiddenSize: D, depth, frequencySize: F, mlpHiddenSize: H } = config;
  const perTokenBlock = 2 * D * (3 * D) + 2 * D * D + 2 * D * H + 2 * H * D; // qkv, proj, fc1, fc2
  const attention = 2 * S * D * 2; // q·kᵀ and weights·v, per token
  const blocks = depth * S * (perTokenBlock + attention);
  const conditioning = 2 * F * D + 2 * D * D + depth * 2 * D * 6 * D + 2 * D * 2 * D; // per row
  const head = S * 2 * D * (M + 1);
  return batch * (blocks + conditioning + head);
}

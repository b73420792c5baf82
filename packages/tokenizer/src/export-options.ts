import { ATTENTION_IMPLEMENTATIONS, type AttentionImplementation } from '@tokenset/onnx-graph';

/** How the tokenizer's ONNX graphs are built. */
export interface ExportOptions {
  /**
   * Attention heads of both ViTs. Weights cannot tell; default `width / 64` (12 for the released
   * ViT-B of width 768).
   */
  numHeads?: number;
  /**
   * Attention kernel: `'fused'` (default) is onnxruntime's `com.microsoft.MultiHeadAttention`,
   * `'standard'` plain ONNX ops (MatMul, Softmax, MatMul), as the reference computes it.
   */
  attention?: AttentionImplementation;
}

/** Checks the options and returns the attention implementation. */
export function attentionOf(options: ExportOptions): AttentionImplementation {
  const attention = options.attention ?? 'fused';
  if (!ATTENTION_IMPLEMENTATIONS.includes(attention)) {
    throw new RangeError(
      `attention: expected one of ${ATTENTION_IMPLEMENTATIONS.map((a) => `'${a}'`).join(', ')}, got '${String(attention)}'`,
    );
  }
  return attention;
}

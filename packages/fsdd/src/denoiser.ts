/**
 * What the sampler needs from a model: per-entry distributions over counts.
 *
 * The sampler never knows about ONNX: anything with this shape works (a DiT1D session, an oracle
 * for tests, a stub for benchmarks).
 */
export interface Denoiser {
  /** C: the number of codebook entries (length of one count vector). */
  readonly codebookSize: number;
  /** M: the number of tokens in a set (counts sum to M). */
  readonly setSize: number;
  /** Number of classes; label `numClasses` is the null (unconditional) label. */
  readonly numClasses: number;
  /**
   * Predicted distribution of X0's count at every entry.
   *
   * @param counts - `Int32Array [B·C]`, the current state z_t (row-major).
   * @param t - `Float32Array [B]`, the time of each row (t = 0 noise, t = 1 data).
   * @param labels - `Int32Array [B]`, class labels (`numClasses` = null label).
   * @returns `Float32Array [B·C·(M+1)]`: for each row and entry, probabilities of counts 0..M.
   *   The arrays passed in are the sampler's buffers: read them before the promise settles and
   *   do not keep them. The returned array is read before the next call, so it may be reused.
   */
  probabilities(counts: Int32Array, t: Float32Array, labels: Int32Array): Promise<Float32Array>;
}

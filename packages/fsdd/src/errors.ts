/**
 * Raised when the diffusion cannot proceed: a denoiser returned NaN, negative or all-zero
 * probabilities, a discretised Gaussian has no mass where the reference would crash, or the
 * fallback rounding produced an impossible state. The message names the step, row and entry.
 */
export class FsddError extends Error {
  override name = 'FsddError';
}

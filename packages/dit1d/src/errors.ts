/** A DiT1D state dict, model file or configuration that cannot be used (missing tensor, wrong shape, ...). */
export class DiT1DError extends Error {
  override name = 'DiT1DError';
}

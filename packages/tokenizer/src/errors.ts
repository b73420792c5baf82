/**
 * A tokenizer-specific failure: a state dict that is not a set tokenizer, a missing or misshapen
 * parameter, images or tokens that do not fit the model, an undecodable image file.
 */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

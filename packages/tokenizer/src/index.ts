export { centerCropArr } from './center-crop.js';
export type {
  ParameterShape,
  PixelDecoderConfig,
  TokenizerConfig,
  TokenizerShapeOptions,
} from './config.js';
export { countIndexed, parameter, RELEASED_TOKENIZER, tokenizerConfig, tokenizerShapes } from './config.js';
export { TokenizerError } from './errors.js';
export { buildTokenizerDecoder, decoderQueries, exportTokenizerDecoder } from './export-decoder.js';
export { buildTokenizerEncoder, exportTokenizerEncoder } from './export-encoder.js';
export type { ExportOptions } from './export-options.js';
export type { TokenizerFlops } from './flops.js';
export { tokenizerFlops } from './flops.js';
export { loadStateDict } from './load-state-dict.js';
export { GROUP_NORM_EPS, GROUP_NORM_GROUPS } from './pixel-decoder.js';
export { prepareImage } from './prepare.js';
export type { ResampleFilter } from './resample.js';
export { RESAMPLE_FILTERS, resize, resizePixels } from './resample.js';
export type { DecodeOrder, ImagesInput, SetTokenizerOptions, TokenizerParts } from './set-tokenizer.js';
export { DECODE_ORDERS, SetTokenizer, TOKENIZER_PARTS, toBytes } from './set-tokenizer.js';
export { LAYER_NORM_EPS } from './vit.js';

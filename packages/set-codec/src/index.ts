export { argsortDescending, selectLargest } from './argsort.js';
export { countsFromTokens, tokensFromCounts } from './dual.js';
export { SetCodecError } from './errors.js';
export { intersectionCounts, jaccard, overlap, unionCounts } from './multiset.js';
export { roundHalfEven } from './round-half-even.js';
export type { RoundWorkspace } from './round-to-sum.js';
export { roundRowToSum, roundToSum, roundWorkspace } from './round-to-sum.js';
export type { SetNoiseOptions } from './set-noise.js';
export { setNoise } from './set-noise.js';
export type { NumericArray, ValidateCountsOptions, ValidateTokensOptions } from './validate.js';
export {
  assertInteger,
  assertNumericArray,
  describeValue,
  validateCounts,
  validateTokens,
} from './validate.js';

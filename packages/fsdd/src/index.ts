export type { FilterWork } from './categorical.js';
export type { Denoiser } from './denoiser.js';
export type { DiscretizedGaussianOptions } from './discretized-gaussian.js';
export { discretizedGaussian } from './discretized-gaussian.js';
export type { DrawCountsOptions } from './draw.js';
export { adjustsAt, drawCounts, topK, topP } from './draw.js';
export type { DrawStrategy } from './draw-strategy.js';
export { DRAW_KINDS, strategyFromReference } from './draw-strategy.js';
export { FsddError } from './errors.js';
export { SIGMA_EPSILON_F32, SQRT_2PI_F32, SQRT_6_F32, timeGrid } from './float32.js';
export type { AdjustMode, GreedyAdjustOptions } from './greedy-adjust.js';
export { ADJUST_MODES, greedyAdjust } from './greedy-adjust.js';
export type { Guidance, GuidanceSchedule, GuidanceTiming, GuidedDenoiserOptions } from './guidance.js';
export { guidanceScale, guide, guidedDenoiser, parseGuidance } from './guidance.js';
export type { RandomOptions, Uniform } from './random.js';
export { rowStreams, seededUniform } from './random.js';
export type { SampleOptions, SampleProfile, SampleResult, SampleStep } from './sample.js';
export { sample } from './sample.js';
export type { Fallback, SamplerPresetName, SamplerSettings } from './sampler-presets.js';
export { FALLBACKS, REFERENCE_SAMPLER, SAMPLER_PRESET_NAMES, SAMPLER_PRESETS } from './sampler-presets.js';
export type { SamplerLimits, SamplerSettingsInput } from './sampler-settings.js';
export {
  checkSeed,
  describeSamplerSettings,
  MAX_SEED,
  MAX_STEPS,
  SamplerSettingsError,
  samplerSettings,
} from './sampler-settings.js';
export type { ParsedSigmaSchedule, SigmaSchedule } from './sigma-schedule.js';
export { parseSigmaSchedule, sigmaFactor } from './sigma-schedule.js';
export type { TrainingExample, TrainingExampleOptions } from './training.js';
export { crossEntropy, LossBins, rowMeans, trainingExample } from './training.js';

export { cholesky } from './cholesky.js';
export { MetricError } from './errors.js';
export type {
  EvaluateFolderOptions,
  EvaluateProgress,
  FeatureExtractor,
  FolderEvaluation,
} from './evaluate-folder.js';
export { evaluateFolder } from './evaluate-folder.js';
export type { Statistics, StatisticsOptions } from './feature-statistics.js';
export { FeatureStatistics } from './feature-statistics.js';
export type { FidPlan, Shard } from './fid-plan.js';
export {
  batchCount,
  batchRange,
  checkShard,
  FID_PROTOCOL,
  featureFileName,
  imageCount,
  imageFileName,
  imageLabel,
  imageSeed,
  parseShard,
  shardBatches,
  validatePlan,
} from './fid-plan.js';
export type {
  FidResults,
  FinishFidRunOptions,
  MergedRun,
  RunManifest,
  RunModels,
  SampleFidOptions,
  SampleFidProgress,
  ShardReport,
} from './fid-run.js';
export {
  finishFidRun,
  mergeFidRun,
  missingBatches,
  readRunManifest,
  runInceptionScore,
  runPaths,
  sampleFid,
} from './fid-run.js';
export type { FrechetDistanceParts, StatisticsLike } from './frechet-distance.js';
export { frechetDistance, frechetDistanceParts } from './frechet-distance.js';
export type { ImageBatchShape, ImageLayout } from './image-batch.js';
export type { InceptionExport, InceptionExportOptions } from './inception-graph.js';
export { exportInceptionV3, INCEPTION_INPUT, INCEPTION_LOGITS, INCEPTION_POOL } from './inception-graph.js';
export type { InceptionScore, InceptionScoreOptions } from './inception-score.js';
export { inceptionScore } from './inception-score.js';
export type { InceptionParameter } from './inception-shapes.js';
export { inceptionShapes } from './inception-shapes.js';
export { INCEPTION_LOGITS_DIM, INCEPTION_POOL_DIM } from './inception-sizes.js';
export type { InceptionFeatures, InceptionLoadOptions } from './inception-v3.js';
export { InceptionV3 } from './inception-v3.js';
export { MT19937, numpyPermutation } from './mt19937.js';
export { INCEPTION_SIZE, normalizeInceptionInput, resizeBilinearTF1 } from './resize.js';
export type { LoadedStatistics, SaveStatisticsOptions } from './statistics-file.js';
export { loadStatistics, saveStatistics, statisticsArrays } from './statistics-file.js';
export { symmetricEigenvalues } from './symmetric-eigen.js';
export { Float64Arena } from './wasm-kernels.js';

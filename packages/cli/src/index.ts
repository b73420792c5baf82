export { writeFileAtomic } from './atomic-write.js';
export type { CheckpointKind } from './checkpoint-kind.js';
export { detectCheckpointKind } from './checkpoint-kind.js';
export type { CliIo, Command, OptionSpecs, OptionValues } from './command.js';
export { CliError, UsageError } from './errors.js';
export type { FidPlan, Shard } from './fid-plan.js';
export {
  batchCount,
  batchRange,
  imageCount,
  imageLabel,
  imageSeed,
  parseShard,
  shardBatches,
} from './fid-plan.js';
export type { MergedRun, RunManifest, RunModels, ShardReport } from './fid-run.js';
export { mergeRun, runShard } from './fid-run.js';
export type { AnimationFormat } from './image-files.js';
export { encodeAnimation } from './image-files.js';
export { COMMANDS, runCli } from './main.js';
export type { ProgressOptions, ProgressStream } from './progress.js';
export { formatDuration, ProgressBar } from './progress.js';
export type { GridOptions, RgbImage } from './raster.js';
export { captionedStrip, grid } from './raster.js';
export type { DrawSetting, SamplerPreset, SamplerSettings } from './sampling-flags.js';
export { PRESETS, samplerSettings } from './sampling-flags.js';
export { DEMO_DIT1D, DEMO_TOKENIZER } from './small-models.js';

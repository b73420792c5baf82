export type { AdamWOptions } from './adam.js';
export { AdamW, Ema } from './adam.js';
export { CLASSIFIER_SHAPES } from './classifier-net.js';
export type { DiT1DNetConfig } from './dit1d-net.js';
export { TrainError } from './errors.js';
export type { InitRule, ShapeEntry } from './init.js';
export type { Params } from './layers.js';
export { summarizeLog } from './log-summary.js';
export type {
  DataParallelOptions,
  LoopOptions,
  LoopTarget,
  RunSettings,
  TrainProgress,
  TrainRunOptions,
} from './loop.js';
export { runLoop } from './loop.js';
export type { ReconstructionLoss } from './reconstruction-loss.js';
export { RECONSTRUCTION_LOSSES } from './reconstruction-loss.js';
export type { StepTimer } from './throughput.js';
export { stepThroughput, tfjsMatmulCeilingGflops } from './throughput.js';
export type { TokenizerNetConfig } from './tokenizer-net.js';
export type { TrainClassifierOptions } from './train-classifier.js';
export { trainClassifier } from './train-classifier.js';
export type { DiT1DSizeOptions, TrainDiT1DOptions } from './train-dit1d.js';
export { DEMO_DIT1D_SIZES, trainDiT1D } from './train-dit1d.js';
export type { TrainTokenizerOptions, TrainTokenizerResult } from './train-tokenizer.js';
export {
  DEMO_TOKENIZER_CONFIG,
  tokenizerJson,
  tokenizerParameterShapes,
  tokenizerRunConfig,
  trainTokenizer,
} from './train-tokenizer.js';

export type { Classification } from './classifier.js';
export { accuracy, buildClassifierGraph, CLASSIFIER_FEATURES, DigitClassifier } from './classifier.js';
export { DEMO_SAMPLER } from './demo-sampler.js';
export type {
  GenerateDigitsOptions,
  GeneratedDigits,
  GenerationQuality,
  ReconstructionQuality,
} from './evaluate.js';
export { generateDigits, generationQuality, reconstructionQuality } from './evaluate.js';
export type { DigitSet, MnistSplit } from './mnist.js';
export { DIGIT_CLASSES, DIGIT_SIZE, digitSlice, HELD_OUT_PER_CLASS, mnistDigits } from './mnist.js';
export { DEMO_MODEL_PATHS } from './paths.js';
export { meanPsnr, mnistFid } from './quality.js';

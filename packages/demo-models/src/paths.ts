/** Where the trained demo models lie in this package. */

import { fileURLToPath } from 'node:url';

const modelFile = (name: string) => fileURLToPath(new URL(`../models/${name}`, import.meta.url));

/**
 * Paths of the trained files: the tokenizer (`tokenizer.pth`, with `tokenizer.json` beside it for
 * the head count), the generator (`generator.pth`: `model`, `ema`, `args`), the digit classifier,
 * and `evaluation.json` (the figures measured on 1,000 held-out digits when they were trained).
 */
export const DEMO_MODEL_PATHS = {
  tokenizer: modelFile('tokenizer.pth'),
  generator: modelFile('generator.pth'),
  classifier: modelFile('classifier.pth'),
  evaluation: modelFile('evaluation.json'),
} as const;

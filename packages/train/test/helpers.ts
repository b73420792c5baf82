import { digitSlice, mnistDigits } from '@tokenset/demo-models';
import type { TokenizerNetConfig, TrainRunOptions } from '../src/index.js';

/** A tokenizer small enough to train a few steps in a test (GroupNorm still needs 32 channels). */
export const TINY_TOKENIZER: Partial<TokenizerNetConfig> = {
  width: 32,
  layers: 1,
  heads: 2,
  numLatentTokens: 8,
  codebookSize: 16,
  pixelDecoder: {
    zChannels: 32,
    hiddenChannels: 32,
    channelMult: [1, 1, 1],
    numResBlocks: 1,
    outChannels: 3,
  },
};

/** 64 training digits (every class), enough for a few steps. */
export function tinyData() {
  const { train } = mnistDigits();
  const images = new Uint8Array(64 * 3072);
  const labels = new Int32Array(64);
  for (let i = 0; i < 64; i++) {
    const j = Math.floor((i * train.count) / 64);
    images.set(train.images.subarray(j * 3072, (j + 1) * 3072), i * 3072);
    labels[i] = train.labels[j];
  }
  return { images, labels, count: 64 };
}

export { digitSlice };

/** Run options that stop a run after step `step`, as Ctrl-C would, with a checkpoint after every step. */
export function stopAfterStep(
  step: number,
): Pick<TrainRunOptions, 'signal' | 'checkpointSeconds' | 'onProgress'> {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    checkpointSeconds: 0,
    onProgress: (e) => {
      if (e.status === 'step' && e.step === step) controller.abort();
    },
  };
}

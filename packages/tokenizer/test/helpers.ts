import { readFileSync } from 'node:fs';
import { type NdArray, parseNpy } from '@tokenset/tensor-io';
import type { TokenizerShapeOptions } from '@tokenset/tokenizer';

/** Reads `test/fixtures/<path>`. */
export function fixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${path}`, import.meta.url)));
}

/** Parses `test/fixtures/<path>.npy`. */
export function npyFixture(path: string): NdArray {
  return parseNpy(fixtureBytes(`${path}.npy`));
}

/** Parses `test/fixtures/<path>` as JSON. */
export function jsonFixture<T>(path: string): T {
  return JSON.parse(new TextDecoder().decode(fixtureBytes(path))) as T;
}

const tiny = jsonFixture<Record<string, number & number[]>>('tiny-tokenizer/config.json');

/** The tiny reference tokenizer's sizes (`tiny-tokenizer/config.json`); it has 4 heads. */
export const TINY: TokenizerShapeOptions = {
  width: tiny.width,
  layers: tiny.layers,
  imageSize: tiny.crop_size,
  patchSize: tiny.patch_size,
  numLatentTokens: tiny.num_latent_tokens,
  codebookSize: tiny.codebook_size,
  tokenSize: tiny.token_size,
  pixelDecoder: {
    hiddenChannels: tiny.pixel_hidden,
    zChannels: tiny.z_channels,
    channelMult: tiny.channel_mult,
  },
};
/** Heads of the tiny reference tokenizer. */
export const TINY_HEADS: number = tiny.heads;

/** The small configuration the CLI demo builds from formula weights. */
export const SMALL: TokenizerShapeOptions = {
  width: 64,
  layers: 2,
  imageSize: 64,
  numLatentTokens: 8,
  codebookSize: 64,
  pixelDecoder: { hiddenChannels: 32, zChannels: 64, channelMult: [1, 1, 2, 2, 2] },
};

/** Largest absolute difference of two float arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

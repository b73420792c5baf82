import { formulaStateDict } from '@tokenset/formula-weights';
import { TokenizerError, tokenizerConfig, tokenizerShapes } from '@tokenset/tokenizer';
import { describe, expect, it } from 'vitest';
import { jsonFixture, TINY, TINY_HEADS } from './helpers.js';

const fullShapes = jsonFixture<Record<string, number[]>>('full-tokenizer/shapes.json');
const fullConfig = jsonFixture<{ parameters: number }>('full-tokenizer/config.json');
describe('tokenizerShapes', () => {
  it('lists the released tokenizer exactly as the reference state dict (names, order, shapes)', () => {
    const shapes = tokenizerShapes();
    expect(shapes.map((s) => [s.name, s.shape])).toEqual(Object.entries(fullShapes));
    const params = shapes.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(fullConfig.parameters);
  });

  it('rejects sizes that do not fit together', () => {
    expect(() => tokenizerShapes({ imageSize: 100 })).toThrow(
      /imageSize: expected a multiple of patchSize 16/,
    );
    expect(() => tokenizerShapes({ pixelDecoder: { channelMult: [1, 2] } })).toThrow(/expected 5 levels/);
    expect(() => tokenizerShapes({ width: 0 })).toThrow(RangeError);
  });
});

describe('tokenizerConfig', () => {
  it('reads every size of the released architecture from its weights', () => {
    // Only shapes and lengths are read: stand-ins for the 203M values keep the test light.
    const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    const sd = new Map(
      tokenizerShapes().map((s) => [
        s.name,
        { shape: s.shape, data: { length: numel(s.shape) } as Float32Array },
      ]),
    );
    expect(tokenizerConfig(sd)).toEqual({
      imageSize: 256,
      patchSize: 16,
      gridSize: 16,
      width: 768,
      layers: 12,
      decoderWidth: 768,
      decoderLayers: 12,
      mlpWidth: 3072,
      heads: 12,
      numLatentTokens: 128,
      codebookSize: 4096,
      tokenSize: 12,
      pixelDecoder: {
        zChannels: 256,
        hiddenChannels: 128,
        channelMult: [1, 1, 2, 2, 4],
        numResBlocks: 2,
        outChannels: 3,
      },
    });
  });

  it('reads a small configuration, with the head count as an option', () => {
    const sd = formulaStateDict(tokenizerShapes(TINY));
    const c = tokenizerConfig(sd, TINY_HEADS);
    expect(c).toMatchObject({
      imageSize: 64,
      gridSize: 4,
      width: 64,
      layers: 2,
      heads: 4,
      numLatentTokens: 8,
      codebookSize: 32,
    });
    expect(c.pixelDecoder).toEqual({
      zChannels: 64,
      hiddenChannels: 32,
      channelMult: [1, 1, 2, 2, 2],
      numResBlocks: 2,
      outChannels: 3,
    });
    expect(tokenizerConfig(sd).heads).toBe(1); // width / 64
    expect(() => tokenizerConfig(sd, 3)).toThrow(/numHeads: expected a positive divisor of the width 64/);
  });

  it('names a missing or misshapen parameter', () => {
    const sd = formulaStateDict(tokenizerShapes(TINY));
    const missing = new Map(sd);
    missing.delete('quantize.embedding.weight');
    expect(() => tokenizerConfig(missing)).toThrow(TokenizerError);
    expect(() => tokenizerConfig(missing)).toThrow(
      /expected a tensor 'quantize.embedding.weight' of the set tokenizer, got none/,
    );
    const wrong = new Map(sd);
    wrong.set('latent_tokens', { shape: [8, 32], data: new Float32Array(256) });
    expect(() => tokenizerConfig(wrong)).toThrow(
      /expected 'latent_tokens' of shape \[\*, 64\], got \[8, 32\]/,
    );
    expect(() => tokenizerConfig({} as Map<string, never>)).toThrow(TypeError);
  });
});

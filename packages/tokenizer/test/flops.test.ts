import { tokenizerConfig, tokenizerFlops, tokenizerShapes } from '@tokenset/tokenizer';
import { describe, expect, it } from 'vitest';

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
// Shapes and lengths are all tokenizerConfig reads: stand-ins instead of 203M values.
const shapes = tokenizerShapes();
const sd = new Map(
  shapes.map((s) => [s.name, { shape: s.shape, data: { length: numel(s.shape) } as Float32Array }]),
);

describe('tokenizerFlops', () => {
  it('counts the released model from its parameter list', () => {
    const flops = tokenizerFlops(tokenizerConfig(sd));
    // Independently: every weight matrix of a ViT is used once per token (2 FLOPs per weight),
    // plus the two attention products; pixel-decoder convs at their level's resolution.
    const tokens = 256 + 1 + 128;
    const vit = (prefix: string) =>
      shapes
        .filter((s) => s.name.startsWith(prefix) && s.name.endsWith('weight') && s.shape.length === 2)
        .reduce((a, s) => a + 2 * tokens * numel(s.shape), 0) +
      12 * 2 * 2 * tokens * tokens * 768;
    const resolution = (name: string) => {
      const up = /pixel_decoder\.up\.(\d)\.(block|upsample_conv)/.exec(name);
      if (up === null) return name.includes('conv_out') ? 256 : 16; // conv_in, mid: 16; conv_out: 256
      const level = Number(up[1]);
      return 16 * 2 ** (4 - level + (up[2] === 'upsample_conv' ? 1 : 0));
    };
    const pixel = shapes
      .filter((s) => s.name.startsWith('pixel_decoder.') && s.shape.length === 4)
      .reduce((a, s) => a + 2 * numel(s.shape) * resolution(s.name) ** 2, 0);
    const encoder =
      2 * 768 * 3 * 16 * 16 * 256 + vit('encoder.transformer.') + 2 * 128 * 768 * 12 + 2 * 128 * 4096 * 12;
    const decoder =
      2 * 128 * 12 * 768 + vit('decoder.transformer.') + 2 * 256 * (768 * 1536 + 1536 * 256) + pixel;
    expect(flops).toEqual({ encoder, decoder });
    expect(flops.encoder / 1e9).toBeCloseTo(71.18, 2);
    expect(flops.decoder / 1e9).toBeCloseTo(258.22, 2);
  });
});

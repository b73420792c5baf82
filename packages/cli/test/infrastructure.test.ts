import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REFERENCE_SAMPLER, SAMPLER_PRESETS } from '@tokenset/fsdd';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClassList, parseInteger } from '../src/args.js';
import { drawText, textWidth } from '../src/bitmap-font.js';
import { detectCheckpointKind } from '../src/checkpoint-kind.js';
import { errorLine } from '../src/errors.js';
import { OffSumRows } from '../src/generation.js';
import { encodeAnimation } from '../src/image-files.js';
import { formatDuration, ProgressBar } from '../src/progress.js';
import { blankImage, captionedStrip, grid } from '../src/raster.js';
import { samplerFlags } from '../src/sampling-flags.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('arguments', () => {
  it('parses class lists and ranges, and names unknown class ids', () => {
    expect(parseClassList('207,360', 1000)).toEqual([207, 360]);
    expect(parseClassList('0-3,9', 10)).toEqual([0, 1, 2, 3, 9]);
    expect(() => parseClassList('3,12', 10)).toThrow('unknown class id 12: this model has 10 classes (0-9)');
    expect(() => parseClassList('cat', 10)).toThrow('expected class ids');
    expect(() => parseInteger('2.5', '--steps', 1, 100)).toThrow('--steps: expected an integer, got "2.5"');
  });

  it("starts the sampler flags from a model's defaults unless --preset names a preset", () => {
    const defaults = { xt: { kind: 'topK', k: 2 } } as const;
    expect(samplerFlags({}, {}, defaults).xt).toEqual({ kind: 'topK', k: 2 });
    expect(samplerFlags({ 'top-p': '0.9' }, {}, defaults)).toMatchObject({
      x0: { kind: 'topP', p: 0.9 },
      xt: { kind: 'topK', k: 2 },
    });
    expect(samplerFlags({ preset: 'reference' }, {}, defaults).xt).toEqual({ kind: 'multinomial' });
    expect(samplerFlags({}).xt).toEqual({ kind: 'multinomial' });
    expect(() => samplerFlags({}, { setSize: 1 }, defaults)).toThrow(/^--preset: /);
  });

  it('reduces any error to one line', () => {
    expect(errorLine(new Error('first\nsecond'))).toBe('first');
    expect(errorLine('plain')).toBe('plain');
  });
});

describe('checkpoint kind', () => {
  it('recognises DiT1D, tokenizer and Inception state dicts', () => {
    expect(
      detectCheckpointKind([
        'ema.pos_embed',
        'ema.x_embedder.embedding_table.weight',
        'ema.blocks.0.attn.qkv.weight',
      ]),
    ).toBe('dit1d');
    expect(
      detectCheckpointKind(['encoder.conv1.weight', 'decoder.ln_post.weight', 'quantize.embedding.weight']),
    ).toBe('tokenizer');
    expect(
      detectCheckpointKind(['Conv2d_1a_3x3.conv.weight', 'Mixed_5b.branch1x1.conv.weight', 'fc.weight']),
    ).toBe('inception');
    expect(detectCheckpointKind(['foo.weight'])).toBeUndefined();
  });
});

describe('progress', () => {
  it('prints plain lines with an ETA when not on a terminal', () => {
    let t = 0;
    const out: string[] = [];
    const bar = new ProgressBar(
      { write: (s: string) => out.push(s) },
      { total: 10, label: 'sampling', unit: 'images', now: () => t, plainIntervalMs: 0 },
    );
    t = 2000;
    bar.tick(4);
    expect(out.at(-1)).toBe('sampling: 4/10 images (40%) 2.0/s, ETA 3s\n');
    t = 5000;
    bar.tick(6);
    bar.finish();
    expect(out.at(-1)).toBe('sampling: 10/10 images (100%) done in 5s\n');
    expect(formatDuration(3725)).toBe('1h02m');
  });

  it('redraws one line on a terminal and counts resumed work apart from the rate', () => {
    let t = 0;
    const out: string[] = [];
    const bar = new ProgressBar(
      { write: (s: string) => out.push(s), isTTY: true, columns: 120 },
      { total: 100, label: 'x', initial: 50, now: () => t },
    );
    t = 1000;
    bar.tick(10);
    expect(out.at(-1)).toMatch(/^\rx \[#{14}-{10}\] 60% 60\/100 10\.0\/s, ETA 4s/);
  });
});

describe('files', () => {
  it('encodes animations as GIF and WebP that decode to every frame', async () => {
    const frames = [0, 80, 160].map((v) => blankImage(8, 6, v));
    for (const format of ['gif', 'webp'] as const) {
      const bytes = await encodeAnimation(frames, format);
      const meta = await sharp(bytes, { animated: true }).metadata();
      expect(meta.format).toBe(format);
      expect(meta.pages).toBe(3);
      expect(meta.pageHeight).toBe(6);
      const { data, info } = await sharp(bytes, { animated: true })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const frameBytes = 8 * 6 * info.channels;
      expect([data[0], data[frameBytes], data[2 * frameBytes]]).toEqual([0, 80, 160]);
    }
  });
});

describe('raster', () => {
  it('lays out grids and captioned strips', () => {
    const images = [0, 50, 100, 150, 200].map((v) => blankImage(4, 4, v));
    const g = grid(images, { columns: 3, gap: 1 });
    expect([g.width, g.height]).toEqual([14, 9]);
    expect(g.data[(5 * 14 + 0) * 3]).toBe(150);
    const strip = captionedStrip([0, 1].map((i) => ({ image: blankImage(64, 64, i * 100), caption: 'ab' })));
    expect(strip.width).toBe(4 + 2 * (64 + 4));
    // The caption band under each panel has black text pixels.
    const band = strip.data.subarray((4 + 64) * strip.width * 3);
    expect(band.some((v) => v === 0)).toBe(true);
  });

  it('draws glyphs of the bitmap font', () => {
    const image = blankImage(20, 10);
    drawText(image, 'I', 0, 0, 1);
    expect(textWidth('I', 1)).toBe(5);
    // 'I' has a top bar from x=1..3.
    expect([image.data[0], image.data[3], image.data[9], image.data[12]]).toEqual([255, 0, 0, 255]);
  });
});

describe('token sets off the fixed sum', () => {
  it('says nothing when every set has M tokens; otherwise how many, their sizes, the cause and the remedy', () => {
    const rows = new OffSumRows(32);
    rows.add(Int32Array.of(32, 32));
    expect(rows.note(REFERENCE_SAMPLER)).toBeUndefined();
    rows.add(Int32Array.of(94, 32, 63));
    expect(rows.note(SAMPLER_PRESETS['high-quality'])).toBe(
      'note: 2 of 5 token sets ended with 63 to 94 tokens, not 32 (adjustment from t >= 1, which no step reaches); each was decoded from its 32 smallest ids (a shorter one filled), as the reference does. --adjust-from 0 keeps the fixed sum at every step.',
    );
    // Not only t >= 1: no step of 25 (the last has t = 0.96) reaches 0.99 either.
    const late = { ...SAMPLER_PRESETS['high-quality'], adjustFrom: 0.99 };
    expect(rows.note(late)).toContain('(adjustment from t >= 0.99, which no step reaches)');
    const short = new OffSumRows(8);
    short.add(Int32Array.of(7));
    expect(short.note(REFERENCE_SAMPLER)).toMatch(
      /^note: 1 of 1 token sets ended with 7 tokens, not 8 \(the one-pass greedy adjustment fell short\);.* --adjust exact always reaches 8\.$/,
    );
  });
});

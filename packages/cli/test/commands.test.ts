import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureStatistics, frechetDistance, loadStatistics, statisticsArrays } from '@tokenset/eval';
import { encodeNpz } from '@tokenset/tensor-io';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_PNG,
  DIT1D_PTH,
  modelFlags,
  oneErrorLine,
  spawnTokenset,
  TOKENIZER_PTH,
  tokenset,
  writeGenerator,
} from './helpers.js';

let dir: string;
let generator: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-commands-'));
  generator = await writeGenerator(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('help', () => {
  it('lists the commands and prints each command help', async () => {
    const main = await tokenset('--help');
    expect(main.code).toBe(0);
    for (const name of ['demo', 'convert', 'reconstruct', 'generate', 'sample-fid', 'fid']) {
      expect(main.stdout).toContain(`  ${name}`);
      const help = await tokenset(name, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`usage: tokenset ${name}`);
    }
  });

  it('rejects an unknown command or flag with one line and exit code 2', async () => {
    const unknown = await tokenset('sampel');
    expect(unknown.code).toBe(2);
    expect(oneErrorLine(unknown)).toContain('unknown command "sampel"');
    const flag = await tokenset('generate', '--colour', 'red');
    expect(flag.code).toBe(2);
    expect(oneErrorLine(flag)).toContain("Unknown option '--colour'");
  });
});

describe('reconstruct', () => {
  it('writes the comparison strip: the input and five decodes with captions', async () => {
    const out = join(dir, 'strip.png');
    const run = await tokenset('reconstruct', TOKENIZER_PTH, DEMO_PNG, out, '--heads', '4');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/8 tokens .* differ by at most \d+\/255/);
    const { data, info } = await sharp(await readFile(out))
      .raw()
      .toBuffer({ resolveWithObject: true });
    // 6 panels of 64 px with 4 px gaps; a caption band below.
    expect(info.width).toBe(4 + 6 * (64 + 4));
    expect(info.height).toBeGreaterThan(64 + 8);
    // The decodes of the five orders are (nearly) the same image: compare panel 1 with panel 4.
    const pixel = (panel: number, x: number, y: number) =>
      data[((4 + y) * info.width + 4 + panel * 68 + x) * 3];
    let spread = 0;
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) spread = Math.max(spread, Math.abs(pixel(1, x, y) - pixel(4, x, y)));
    expect(spread).toBeLessThanOrEqual(2);
  });

  it('reconstructs a folder into a folder', async () => {
    const images = join(dir, 'in');
    await mkdir(images, { recursive: true });
    await writeFile(join(images, 'a.png'), await readFile(DEMO_PNG));
    await sharp(DEMO_PNG).resize(300, 200).jpeg().toFile(join(images, 'b.jpg'));
    const run = await tokenset('reconstruct', TOKENIZER_PTH, images, join(dir, 'strips'), '--heads', '4');
    expect(run.code, run.stderr).toBe(0);
    for (const name of ['a', 'b']) {
      const meta = await sharp(join(dir, 'strips', `${name}-reconstruction.png`)).metadata();
      expect(meta.width).toBe(412);
    }
  });
});

describe('generate', () => {
  it('writes one PNG per image, a grid and a WebP trajectory', async () => {
    const out = join(dir, 'gen');
    const run = await tokenset(
      'generate',
      ...modelFlags(generator),
      '--classes',
      '1,3',
      '--per-class',
      '2',
      '--steps',
      '4',
      '--trajectory',
      '--profile',
      '--out',
      out,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /step profile, batch 4, 4 steps: model \d+\.\d% .*, guidance .*, sampler \(1 thread\) .*, decode \d+\.\d%/,
    );
    for (const name of ['000-class1', '001-class1', '002-class3', '003-class3']) {
      const meta = await sharp(join(out, `${name}.png`)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
    }
    const grid = await sharp(join(out, 'overview', 'grid.png')).metadata();
    expect([grid.width, grid.height]).toEqual([2 * 64 + 2, 2 * 64 + 2]);
    const animation = await sharp(join(out, 'overview', 'trajectory.webp'), { animated: true }).metadata();
    expect(animation.format).toBe('webp');
    expect(animation.pages).toBe(4 + 1); // one frame per step, then the final images
  });

  it('is reproducible image by image, whatever the batch size; GIF trajectories and presets work', async () => {
    const a = join(dir, 'gen-a');
    const b = join(dir, 'gen-b');
    const common = [...modelFlags(generator), '--classes', '2,5,7', '--steps', '3', '--seed', '11'];
    expect(
      (await tokenset('generate', ...common, '--batch-size', '3', '--fallback', 'row', '--out', a)).code,
    ).toBe(0);
    expect(
      (await tokenset('generate', ...common, '--batch-size', '1', '--fallback', 'row', '--out', b)).code,
    ).toBe(0);
    for (const name of ['000-class2', '001-class5', '002-class7']) {
      expect(await readFile(join(a, `${name}.png`))).toEqual(await readFile(join(b, `${name}.png`)));
    }
    const c = join(dir, 'gen-c');
    const hq = await tokenset(
      'generate',
      ...common,
      '--preset',
      'high-quality',
      '--trajectory',
      '--trajectory-format',
      'gif',
      '--out',
      c,
    );
    expect(hq.code, hq.stderr).toBe(0);
    expect(hq.stderr).toContain('x0 top-k 2, xt top-k 2, adjust from t >= 1');
    const fixedSum = await tokenset(
      'generate',
      ...common,
      '--preset',
      'high-quality',
      '--adjust-from',
      '0',
      '--adjust',
      'exact',
      '--out',
      join(dir, 'gen-e'),
    );
    expect(fixedSum.code, fixedSum.stderr).toBe(0);
    expect(fixedSum.stderr).toContain('x0 top-k 2, xt top-k 2, adjust from t >= 0');
    expect(fixedSum.stderr).not.toContain('note:');
    const badFrom = await tokenset(
      'generate',
      ...common,
      '--adjust-from',
      'soon',
      '--out',
      join(dir, 'gen-f'),
    );
    expect(badFrom.code).toBe(2);
    expect(oneErrorLine(badFrom)).toMatch(/--adjust-from: expected a number, got "soon"/);
    const xt = await tokenset('generate', ...common, '--xt-top-k', '2', '--out', join(dir, 'gen-d'));
    expect(xt.code, xt.stderr).toBe(0);
    expect(xt.stderr).toContain('x0 top-p 0.8, xt top-k 2, adjust from t >= 0.65');
    const gif = await sharp(join(c, 'overview', 'trajectory.gif'), { animated: true }).metadata();
    expect([gif.format, gif.pages]).toEqual(['gif', 4]);
  });
});

describe('convert', () => {
  it('detects and converts a DiT1D checkpoint and a tokenizer checkpoint', async () => {
    const dit = await tokenset('convert', DIT1D_PTH, join(dir, 'dit.onnx'), '--heads', '4');
    expect(dit.code, dit.stderr).toBe(0);
    expect(dit.stderr).toContain('a DiT1D generator (FSDD)');
    // The converted model loads; its codebook (64) does not fit the fixture tokenizer's (32).
    const mismatch = await tokenset('generate', ...modelFlags(join(dir, 'dit.onnx')), '--classes', '1');
    expect(mismatch.code).not.toBe(0);
    expect(oneErrorLine(mismatch)).toContain('expected a tokenizer with 8 tokens over a codebook of 64');
    const tok = await tokenset('convert', TOKENIZER_PTH, join(dir, 'tok.onnx'));
    expect(tok.code, tok.stderr).toBe(0);
    expect(tok.stdout).toContain('tok.encoder.onnx');
    expect((await readFile(join(dir, 'tok.decoder.onnx'))).length).toBeGreaterThan(100_000);
  });

  it('refuses a --kind that contradicts the checkpoint', async () => {
    const run = await tokenset('convert', DIT1D_PTH, join(dir, 'x.onnx'), '--kind', 'inception');
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toContain(
      "expected torch-fidelity's InceptionV3 checkpoint, got a DiT1D generator (FSDD) checkpoint",
    );
  });
});

describe('fid on statistics files', () => {
  it('prints the Fréchet distance of two statistics files', async () => {
    const make = (seed: number) => {
      const f = new Float32Array(40 * 4);
      let x = seed;
      for (let i = 0; i < f.length; i++) {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        f[i] = x / 2 ** 32 + (i % 4) * 0.1 * seed;
      }
      return new FeatureStatistics(4).add(f).statistics();
    };
    const [a, b] = [make(1), make(2)];
    await writeFile(join(dir, 'a.npz'), encodeNpz(statisticsArrays(a)));
    await writeFile(join(dir, 'b.npz'), encodeNpz(statisticsArrays(b)));
    const run = await tokenset('fid', join(dir, 'a.npz'), '--ref', join(dir, 'b.npz'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`FID: ${frechetDistance(a, b).toFixed(4)}\n`);
  });
});

describe('bad input: one clear line, non-zero exit, no stack trace', () => {
  it('a missing checkpoint', async () => {
    const run = await tokenset('reconstruct', join(dir, 'nope.pth'), DEMO_PNG, join(dir, 'o.png'));
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe(`tokenset: tokenizer: no such file: ${join(dir, 'nope.pth')}`);
  });

  it('a checkpoint of the wrong kind', async () => {
    const run = await tokenset('generate', ...modelFlags(TOKENIZER_PTH), '--classes', '1');
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe(
      `tokenset: --model: expected a DiT1D generator (FSDD) checkpoint, got a set tokenizer checkpoint: ${TOKENIZER_PTH}`,
    );
    const swapped = await tokenset('reconstruct', DIT1D_PTH, DEMO_PNG, join(dir, 'o.png'));
    expect(oneErrorLine(swapped)).toContain(
      'tokenizer: expected a set tokenizer checkpoint, got a DiT1D generator',
    );
  });

  it('unknown class ids', async () => {
    const run = await tokenset('generate', ...modelFlags(generator), '--classes', '3,99');
    expect(run.code).toBe(2);
    expect(oneErrorLine(run)).toBe(
      'tokenset: --classes: unknown class id 99: this model has 10 classes (0-9)',
    );
  });

  it('an unreadable image', async () => {
    const bad = join(dir, 'broken.png');
    await writeFile(bad, 'not an image at all');
    const run = await tokenset('reconstruct', TOKENIZER_PTH, bad, join(dir, 'o.png'));
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toMatch(/^tokenset: cannot read image .*broken\.png/);
  });

  it('as a child process: a corrupt checkpoint gives one line on stderr and exit code 1', async () => {
    const corrupt = join(dir, 'corrupt.pth');
    await writeFile(corrupt, (await readFile(TOKENIZER_PTH)).subarray(0, 5000));
    const { done } = spawnTokenset(['reconstruct', corrupt, DEMO_PNG, join(dir, 'o.png')]);
    const run = await done;
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toMatch(/^tokenset: tokenizer: cannot read checkpoint .*corrupt\.pth: /);
  });
});

describe('demo', () => {
  it('runs the trained demo models by default: digits reconstructed, generated, measured', {
    timeout: 240_000,
  }, async () => {
    const out = join(dir, 'demo-trained');
    const run = await tokenset('demo', '--out', out, '--per-class', '1', '--steps', '4');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('trained in Node on MNIST digits');
    expect(run.stdout).toContain(
      "sampler: 4 steps, guidance 4_50_55, x0 top-k 2, xt top-k 2, adjust from t >= 1 (the demo generator's defaults",
    );
    // The preset never adjusts its draws: the user is told the sets' sizes and how they were decoded.
    expect(run.stderr).toMatch(
      /note: \d+ of 10 token sets ended with \d+( to \d+)? tokens, not 32 \(adjustment from t >= 1, which no step reaches\); each was decoded from its 32 smallest ids/,
    );
    const fixedSum = await tokenset(
      'demo',
      '--out',
      join(dir, 'demo-fixed-sum'),
      '--per-class',
      '1',
      '--steps',
      '2',
      '--adjust-from',
      '0',
    );
    expect(fixedSum.code, fixedSum.stderr).toBe(0);
    expect(fixedSum.stdout).toContain(
      "adjust from t >= 0 (the demo generator's defaults as your flags changed them)",
    );
    expect(fixedSum.stderr).not.toContain('note:');
    const bad = await tokenset('demo', '--out', join(dir, 'demo-bad'), '--top-p', '2');
    expect(bad.code).toBe(2);
    expect(oneErrorLine(bad)).toMatch(/--top-p: expected .*got 2/);
    expect(existsSync(join(dir, 'demo-bad'))).toBe(false);
    expect(run.stdout).toMatch(
      /reconstruction of 1,000 held-out digits: classifier accuracy \d+\.\d% \(originals 99\.0%\)/,
    );
    expect(run.stdout).toContain('reversed and shuffled token orders decode identically: yes');
    expect(run.stdout).toMatch(/these 10 generated digits: classified as the requested digit \d+\.\d%/);
    expect(run.stdout).toContain('tokenset demo --formula');
    // Ten held-out digits, each with its five token orders, enlarged.
    expect((await sharp(join(out, 'reconstruction.png')).metadata()).height).toBeGreaterThan(10 * 64);
  });

  it('--formula runs the whole pipeline on small models, says they are untrained, and where the real ones are', async () => {
    const out = join(dir, 'demo');
    const run = await tokenset('demo', '--formula', '--out', out, '--images', '2', '--steps', '3');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('These weights are NOT trained');
    expect(run.stdout).toMatch(/^total\s+\d+\.\d\d$/m);
    expect(run.stdout).toContain(
      'set_tokenizer_128_4096.pth, fsdd_small_128_4096.pth, fsdd_base_128_4096.pth',
    );
    expect(run.stdout).toContain('adm_in256_stats.npz');
    expect(run.stdout).toContain(
      'tokenset generate --model fsdd_base_128_4096.pth --tokenizer set_tokenizer_128_4096.pth',
    );
    expect((await sharp(join(out, 'reconstruction.png')).metadata()).width).toBe(412);
    expect((await sharp(join(out, 'samples', 'overview', 'grid.png')).metadata()).format).toBe('png');
    expect(
      (await sharp(join(out, 'samples', 'overview', 'trajectory.webp'), { animated: true }).metadata()).pages,
    ).toBe(4);
    const stats = await loadStatistics(join(out, 'statistics.npz'));
    expect(stats.dim).toBe(2048);
  });
});

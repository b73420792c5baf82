import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneErrorLine, tokenset } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-train-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TINY = JSON.stringify({
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
});

// Training steps are CPU-bound: generous limits for a shared 2-core machine.
describe('tokenset train-tokenizer / train', { timeout: 240_000 }, () => {
  it('trains, resumes, and refuses bad input in one line before any work', async () => {
    const out = join(dir, 'tok');
    const run = await tokenset(
      'train-tokenizer',
      '--out',
      out,
      '--steps',
      '2',
      '--batch-size',
      '4',
      '--sizes',
      TINY,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`tokenizer: ${join(out, 'tokenizer.pth')} (2 steps`);
    expect(run.stderr).toMatch(/train-tokenizer: 2\/2 steps loss \d+\.\d{4}/);

    // A second run into the same folder would overwrite it: refused unless --resume.
    const again = await tokenset('train-tokenizer', '--out', out, '--steps', '2', '--sizes', TINY);
    expect(again.code).toBe(1);
    expect(oneErrorLine(again)).toMatch(/expected a folder without a tokenizer run, got .*--resume/);
    const resumed = await tokenset(
      'train-tokenizer',
      '--out',
      out,
      '--steps',
      '3',
      '--batch-size',
      '4',
      '--sizes',
      TINY,
      '--resume',
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('(3 steps');

    const gen = join(dir, 'gen');
    const trained = await tokenset(
      'train',
      '--tokenizer',
      join(out, 'tokenizer.pth'),
      '--out',
      gen,
      '--steps',
      '2',
      '--batch-size',
      '4',
      '--sizes',
      '{"hiddenSize":32,"depth":1,"numHeads":2}',
      '--label-dropout',
      '0.5',
      '--data-noise',
      '0.25',
      '--time-shift',
      '0.1',
    );
    expect(trained.code, trained.stderr).toBe(0);
    expect((await stat(join(gen, 'generator.pth'))).size).toBeGreaterThan(1000);
    const written = JSON.parse(await readFile(join(gen, 'generator.json'), 'utf8'));
    expect([written.labelDropout, written.dataNoise, written.timeShift]).toEqual([0.5, 0.25, 0.1]);
  });

  it('fails with one clear line on bad input', async () => {
    const cases: [string[], RegExp, number][] = [
      [['train-tokenizer'], /--out: expected an output folder, got nothing/, 2],
      [
        ['train-tokenizer', '--out', join(dir, 'empty'), '--resume'],
        /--resume: expected a checkpoint .*tokenizer\.train\.pth, got none/,
        1,
      ],
      [
        ['train-tokenizer', '--out', join(dir, 'odd'), '--sizes', '{"imageSize":30}'],
        /imageSize: expected a multiple of patchSize 4, got 30/,
        1,
      ],
      [
        ['train-tokenizer', '--out', join(dir, 'typo'), '--sizes', '{"widht":8}'],
        /config: expected keys among .*got 'widht'/,
        1,
      ],
      [
        ['train-tokenizer', '--out', join(dir, 'json'), '--sizes', 'width=8'],
        /--sizes: expected a JSON object/,
        2,
      ],
      [['train-tokenizer', '--out', join(dir, 'neg'), '--steps', '-5'], /--steps/, 2],
      [
        ['train-tokenizer', '--out', join(dir, 'loss'), '--loss', 'l2'],
        /loss: expected one of mse, clamped-mse, l1, got "l2"/,
        1,
      ],
      [['train-tokenizer', '--out', join(dir, 'shift'), '--shift', 'two'], /--shift/, 2],
      [
        ['train-tokenizer', '--out', join(dir, 'init'), '--init', join(dir, 'missing.pth')],
        /--init .*missing\.pth: expected a tokenizer state dict, got/,
        1,
      ],
      [
        ['train-tokenizer', '--out', join(dir, 'perc'), '--perceptual', join(dir, 'missing.pth')],
        /--perceptual .*missing\.pth: expected a classifier state dict, got/,
        1,
      ],
      [
        ['train-tokenizer', '--out', join(dir, 'dec'), '--decoder-only'],
        /decoderOnly: expected an init tokenizer \(its encoder and codebook stay\) or a resumed decoder-only run, got neither/,
        1,
      ],
      [
        ['train-tokenizer', '--out', join(dir, 'pw'), '--perceptual-weight', 'much'],
        /--perceptual-weight/,
        2,
      ],
      [['train', '--out', join(dir, 'g')], /--tokenizer: expected a trained tokenizer .pth, got nothing/, 2],
      [['train', '--tokenizer', join(dir, 'missing.pth'), '--out', join(dir, 'g2')], /missing\.pth/, 1],
      [
        ['train', '--tokenizer', 'x.pth', '--out', join(dir, 'g3'), '--sizes', '{"numHeads":3}'],
        /numHeads: expected a divisor of hiddenSize 128, got 3/,
        1,
      ],
      [
        ['train', '--tokenizer', 'x.pth', '--out', join(dir, 'g4'), '--label-dropout', '1'],
        /--label-dropout: expected a number in \[0, 1\), got 1/,
        2,
      ],
      [
        ['train', '--tokenizer', 'x.pth', '--out', join(dir, 'g5'), '--label-dropout', 'half'],
        /--label-dropout/,
        2,
      ],
      [
        ['train', '--tokenizer', 'x.pth', '--out', join(dir, 'g6'), '--data-noise', '1.5'],
        /--data-noise: expected a number in \[0, 1\], got 1.5/,
        2,
      ],
      [
        ['train', '--tokenizer', 'x.pth', '--out', join(dir, 'g7'), '--time-shift', 'soon'],
        /--time-shift/,
        2,
      ],
    ];
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    cases.push([['train-tokenizer', '--out', file], /out: expected a folder, got the file/, 1]);
    for (const [args, message, code] of cases) {
      const run = await tokenset(...args);
      expect(run.code, args.join(' ')).toBe(code);
      expect(oneErrorLine(run), args.join(' ')).toMatch(message);
    }
  });
});

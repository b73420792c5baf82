/**
 * One test per defect of issue 14's "Found by use" list: each failed on the main branch before the
 * issue (overwrites, late checks, "argument is ambiguous", the grid next to the samples, exit 2 for a
 * model mismatch) and passes now.
 */

import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_PNG,
  DIT1D_PTH,
  modelFlags,
  oneErrorLine,
  TOKENIZER_PTH,
  tokenset,
  writeGenerator,
  writeInception,
} from './helpers.js';

let dir: string;
let generator: string;
let inception: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-found-'));
  generator = await writeGenerator(dir);
  inception = await writeInception(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('outputs are never overwritten', () => {
  it('reconstruct mine.jpg mine.png out/ writes two strips, and refuses to overwrite them', async () => {
    const inputs = join(dir, 'inputs');
    await mkdir(inputs);
    await copyFile(DEMO_PNG, join(inputs, 'mine.png'));
    await copyFile(DEMO_PNG, join(inputs, 'mine.jpg')); // a PNG named .jpg decodes all the same
    const out = join(dir, 'strips');
    const args = [
      'reconstruct',
      TOKENIZER_PTH,
      join(inputs, 'mine.jpg'),
      join(inputs, 'mine.png'),
      out,
      '--heads',
      '4',
    ];
    const first = await tokenset(...args);
    expect(first.code, first.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'mine-jpg-reconstruction.png',
      'mine-png-reconstruction.png',
    ]);
    const again = await tokenset(...args);
    expect(again.code).toBe(1);
    expect(oneErrorLine(again)).toMatch(/mine-jpg-reconstruction\.png already exists; expected a new file/);
  });

  it('generate into a folder that already holds its files fails before sampling', async () => {
    const out = join(dir, 'gen-twice');
    const args = ['generate', ...modelFlags(generator), '--classes', '1', '--steps', '2', '--out', out];
    expect((await tokenset(...args)).code).toBe(0);
    const again = await tokenset(...args);
    expect(again.code).toBe(1);
    expect(oneErrorLine(again)).toMatch(/000-class1\.png already exists/);
  });
});

describe('generate then fid of the same folder', () => {
  it('fid reads only the samples: the grid and the animation are in overview/', async () => {
    const out = join(dir, 'gen');
    const gen = await tokenset(
      'generate',
      ...modelFlags(generator),
      '--classes',
      '1,2,3',
      '--steps',
      '2',
      '--trajectory',
      '--out',
      out,
    );
    expect(gen.code, gen.stderr).toBe(0);
    expect((await readdir(join(out, 'overview'))).sort()).toEqual(['grid.png', 'trajectory.webp']);
    const fid = await tokenset('fid', out, '--inception', inception);
    expect(fid.code, fid.stderr).toBe(0);
    expect(fid.stdout).toContain('images: 3');
  });
});

describe('paths are checked before any model loads', () => {
  it('generate --out <existing file> fails at once', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const run = await tokenset(
      'generate',
      ...modelFlags(generator),
      '--classes',
      '1',
      '--steps',
      '2',
      '--out',
      file,
    );
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe(`tokenset: --out: expected a folder, got an existing file: ${file}`);
    expect(run.stderr).not.toContain('sampling');
  });

  it('fid --save-stats where no file can be written fails before computing features', async () => {
    const images = join(dir, 'two-images');
    await mkdir(images);
    await copyFile(DEMO_PNG, join(images, 'a.png'));
    await copyFile(DEMO_PNG, join(images, 'b.png'));
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    const target = join(file, 'x.npz');
    const run = await tokenset('fid', images, '--inception', inception, '--save-stats', target);
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toBe(
      `tokenset: --save-stats: expected a folder, got an existing file: ${file}`,
    );
    expect(run.stderr).not.toContain('inception');
    // An existing statistics file is not clobbered either.
    const existing = join(dir, 'stats.npz');
    await writeFile(existing, 'keep');
    const clobber = await tokenset('fid', images, '--inception', inception, '--save-stats', existing);
    expect(oneErrorLine(clobber)).toMatch(/stats\.npz already exists/);
  });
});

describe('numeric flags', () => {
  const gen = (...flags: string[]) =>
    tokenset(
      'generate',
      '--model',
      DIT1D_PTH,
      '--tokenizer',
      join(dir, 'missing-tokenizer.pth'),
      '--classes',
      '1',
      ...flags,
    );

  it('negative values get the valid range, not "argument is ambiguous" (exit 2)', async () => {
    const cases: [string[], string][] = [
      [['--steps', '-5'], 'tokenset: --steps: expected an integer in [1, 1000000], got -5'],
      [['--seed', '-1'], 'tokenset: --seed: expected an integer in [0, 4294967295], got -1'],
      [
        ['--guidance-scale', '-3'],
        'tokenset: --guidance-scale: expected a scale >= 1 (the reference asserts it), got -3',
      ],
      [
        ['--guidance-scale', '0.5'],
        'tokenset: --guidance-scale: expected a scale >= 1 (the reference asserts it), got 0.5',
      ],
      [['--top-p', '-0.5'], 'tokenset: --top-p: expected a probability in (0, 1], got -0.5'],
    ];
    for (const [flags, message] of cases) {
      const run = await gen(...flags);
      expect(run.code, run.stderr).toBe(2);
      expect(oneErrorLine(run)).toBe(message);
    }
  });

  it("--top-k above M+1 and --xt-top-k above M fail before the models load, with fsdd's rule", async () => {
    // The fixture DiT1D has M = 8 (read from its shapes): the flag fails before either model loads.
    for (const [flag, most] of [
      ['--top-k', 9],
      ['--xt-top-k', 8],
    ] as const) {
      const run = await tokenset(
        'generate',
        '--model',
        DIT1D_PTH,
        '--tokenizer',
        TOKENIZER_PTH,
        '--classes',
        '1',
        flag,
        '99999',
      );
      expect(run.code).toBe(2);
      expect(oneErrorLine(run)).toBe(`tokenset: ${flag}: expected an integer in [1, ${most}], got 99999`);
    }
  });

  it('--guidance none is accepted, as fsdd accepts it', async () => {
    const run = await tokenset(
      'generate',
      ...modelFlags(generator),
      '--classes',
      '1',
      '--steps',
      '2',
      '--guidance',
      'none',
      '--out',
      join(dir, 'none'),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('guidance none');
  });
});

describe('help and exit codes', () => {
  it('generate --help describes the grid as it is laid out', async () => {
    const help = await tokenset('generate', '--help');
    expect(help.stdout).toContain('one row\nper class when --per-class > 1, else a square grid');
  });

  it('a tokenizer of another codebook is a model error: exit 1, not 2', async () => {
    const converted = join(dir, 'dit64.onnx');
    expect((await tokenset('convert', DIT1D_PTH, converted, '--heads', '4')).code).toBe(0);
    const run = await tokenset(
      'generate',
      ...modelFlags(converted),
      '--classes',
      '1',
      '--out',
      join(dir, 'mismatch'),
    );
    expect(run.code).toBe(1);
    expect(oneErrorLine(run)).toContain('expected a tokenizer with 8 tokens over a codebook of 64');
  });
});

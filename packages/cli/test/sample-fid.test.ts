import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiT1D } from '@tokenset/dit1d';
import { finishFidRun, InceptionV3, loadStatistics, sampleFid } from '@tokenset/eval';
import { sample, samplerSettings } from '@tokenset/fsdd';
import { SetTokenizer } from '@tokenset/tokenizer';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  modelFlags,
  oneErrorLine,
  spawnTokenset,
  TOKENIZER_PTH,
  tokenset,
  writeGenerator,
  writeInception,
} from './helpers.js';

let dir: string;
let models: string[];

// The plan: 2 classes × 3 images, batches of 2 (3 batches), 3 sampler steps.
const PLAN = ['--classes', '2', '--per-class', '3', '--batch-size', '2', '--steps', '3', '--seed', '5'];
const run = (out: string, ...extra: string[]) =>
  tokenset('sample-fid', ...models, ...PLAN, '--out', out, ...extra);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-fid-'));
  const generator = await writeGenerator(dir);
  const inception = await writeInception(dir);
  models = [...modelFlags(generator), '--inception', inception];
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Byte equality of two files (toEqual on large buffers is far too slow). */
async function sameBytes(a: string, b: string): Promise<boolean> {
  return (await readFile(a)).equals(await readFile(b));
}

/** Whether two folders hold the same names with the same bytes. */
async function sameFolder(a: string, b: string): Promise<boolean> {
  const [x, y] = [await files(a), await files(b)];
  return x.size === y.size && [...x].every(([name, bytes]) => y.get(name)?.equals(bytes) === true);
}

async function files(folder: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of (await readdir(folder)).sort()) out.set(name, await readFile(join(folder, name)));
  return out;
}

describe('sample-fid', () => {
  let whole: string;

  it('samples the plan, stores features per batch, and writes statistics and results', async () => {
    whole = join(dir, 'whole');
    const result = await run(whole);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('6 images generated, 0 were already done');
    expect(result.stdout).toMatch(/Inception Score: \d+\.\d+ ± \d+\.\d+ \(6 splits\)/);
    const images = await readdir(join(whole, 'images'));
    expect(images).toEqual([
      '000000.png',
      '000001.png',
      '000002.png',
      '000003.png',
      '000004.png',
      '000005.png',
    ]);
    for (const name of images) {
      const meta = await sharp(join(whole, 'images', name)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
    }
    expect(await readdir(join(whole, 'features'))).toEqual([
      'batch-00000.npz',
      'batch-00001.npz',
      'batch-00002.npz',
    ]);
    const stats = await loadStatistics(join(whole, 'statistics.npz'));
    expect(stats.dim).toBe(2048);
    expect(stats.accumulator?.count).toBe(6);
    const results = JSON.parse(await readFile(join(whole, 'results.json'), 'utf8'));
    expect(results.images).toBe(6);
  });

  it('two shards plus the merge equal one unsharded run, image for image and statistic for statistic', async () => {
    const sharded = join(dir, 'sharded');
    const first = await run(sharded, '--shard', '0/2');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('batches of the plan are still to do');
    const second = await run(sharded, '--shard', '1/2');
    expect(second.code, second.stderr).toBe(0);
    expect(await sameFolder(join(sharded, 'images'), join(whole, 'images'))).toBe(true);
    expect(await sameFolder(join(sharded, 'features'), join(whole, 'features'))).toBe(true);
    expect(await sameBytes(join(sharded, 'statistics.npz'), join(whole, 'statistics.npz'))).toBe(true);
    expect(await sameBytes(join(sharded, 'results.json'), join(whole, 'results.json'))).toBe(true);
    // `tokenset fid <run>` merges again, to the same numbers.
    const merged = await tokenset('fid', sharded);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toContain(
      JSON.parse(await readFile(join(whole, 'results.json'), 'utf8')).inceptionScore.mean.toFixed(4),
    );
  });

  it('the API without the CLI (sampleFid in two shards, finishFidRun) gives the bytes of the CLI run', async () => {
    // The models loaded by the libraries, the sampler settings from fsdd: no CLI module involved.
    const dit = await DiT1D.load(join(dir, 'generator.onnx'));
    const tokenizer = await SetTokenizer.load(TOKENIZER_PTH, { numHeads: 4 });
    const inception = await InceptionV3.load(join(dir, 'inception.onnx'));
    try {
      const sampler = samplerSettings({ steps: 3 }, { setSize: dit.setSize });
      const plan = { classes: 2, perClass: 3, seed: 5, batchSize: 2 };
      const api = join(dir, 'api');
      for (const index of [1, 0]) {
        await sampleFid(api, {
          plan,
          sampler,
          imageSize: tokenizer.imageSize,
          shard: { index, count: 2 },
          models: {
            generate: async (labels, seeds) =>
              tokenizer.decode((await sample(dit, { ...sampler, labels, seeds })).tokens),
            features: (images, n, size) => inception.features(images, { n, height: size, width: size }),
          },
        });
      }
      await finishFidRun(api);
      expect(await sameFolder(join(api, 'images'), join(whole, 'images'))).toBe(true);
      expect(await sameFolder(join(api, 'features'), join(whole, 'features'))).toBe(true);
      expect(await sameBytes(join(api, 'statistics.npz'), join(whole, 'statistics.npz'))).toBe(true);
      expect(await sameBytes(join(api, 'run.json'), join(whole, 'run.json'))).toBe(true);
    } finally {
      await Promise.all([dit.release(), tokenizer.release(), inception.release()]);
    }
  });

  it('resumes a killed run without redoing or losing work', async () => {
    const killed = join(dir, 'killed');
    const { child, done } = spawnTokenset(['sample-fid', ...models, ...PLAN, '--out', killed]);
    // Kill (SIGKILL: no cleanup) as soon as the first batch's features are on disk.
    const firstBatch = join(killed, 'features', 'batch-00000.npz');
    for (;;) {
      if (
        await stat(firstBatch).then(
          () => true,
          () => false,
        )
      )
        break;
      if (child.exitCode !== null)
        throw new Error(`the run ended before it could be killed: ${(await done).stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const before = new Map<string, number>();
    for (const name of await readdir(join(killed, 'images'))) {
      expect(name).toMatch(/^\d{6}\.png$/); // never a partial file under a final name
      before.set(name, (await stat(join(killed, 'images', name))).mtimeMs);
    }
    expect(before.size).toBeGreaterThanOrEqual(2);
    expect(before.size).toBeLessThan(6);

    const resumed = await run(killed);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${before.size - (before.size % 2)} already done`));
    for (const [name, mtime] of before) {
      if (Number(name.slice(0, 6)) < before.size - (before.size % 2)) {
        expect((await stat(join(killed, 'images', name))).mtimeMs).toBe(mtime); // not redone
      }
    }
    // Nothing lost, nothing different: the same images and statistics as the uninterrupted run.
    expect(await readdir(join(killed, 'images'))).toEqual(await readdir(join(whole, 'images')));
    expect(await sameFolder(join(killed, 'images'), join(whole, 'images'))).toBe(true);
    expect(await sameBytes(join(killed, 'statistics.npz'), join(whole, 'statistics.npz'))).toBe(true);
  });

  it('regenerates a truncated image and keeps the others', async () => {
    const damaged = join(dir, 'sharded');
    const victim = join(damaged, 'images', '000003.png');
    const good = await readFile(victim);
    await writeFile(victim, good.subarray(0, good.length >> 1));
    const kept = (await stat(join(damaged, 'images', '000000.png'))).mtimeMs;
    const again = await run(damaged);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('1 images generated, 4 were already done');
    expect((await readFile(victim)).equals(good)).toBe(true);
    expect((await stat(join(damaged, 'images', '000000.png'))).mtimeMs).toBe(kept);
  });

  it('refuses to mix settings in one run folder', async () => {
    const other = await tokenset(
      'sample-fid',
      ...models,
      ...PLAN.slice(0, -4),
      '--steps',
      '4',
      '--seed',
      '5',
      '--out',
      whole,
    );
    expect(other.code).toBe(1);
    expect(oneErrorLine(other)).toContain('was started with other settings: sampler');
  });

  it('fid on an image folder computes features with InceptionV3', async () => {
    const inception = models[models.indexOf('--inception') + 1];
    const folder = await tokenset(
      'fid',
      join(whole, 'images'),
      '--inception',
      inception,
      '--save-stats',
      join(dir, 'folder.npz'),
    );
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stdout).toContain('images: 6');
    const a = await loadStatistics(join(dir, 'folder.npz'));
    const b = await loadStatistics(join(whole, 'statistics.npz'));
    let diff = 0;
    for (let i = 0; i < a.mu.length; i++) diff = Math.max(diff, Math.abs(a.mu[i] - b.mu[i]));
    expect(diff).toBeLessThan(1e-3);
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-examples-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs an example with its output piped (not a terminal), as in a log or CI. */
function runExample(name: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', `examples/${name}.ts`, ...args],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stdout += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout })));
}

describe('examples', () => {
  it('generate.ts writes into --out and prints whole lines when piped', async () => {
    const out = join(dir, 'generate');
    const run = await runExample('generate', ['--out', out]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toContain('\r');
    expect(run.stdout).toContain('step 25/25\n');
    expect((await readdir(out)).sort()).toEqual(['generated-0-class1.png', 'generated-1-class2.png']);
  });
});

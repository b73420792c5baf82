/** Shared helpers of the CLI's end-to-end tests: small model files and ways to run the command. */

import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dit1dShapes, exportDiT1D } from '@tokenset/dit1d';
import { exportInceptionV3, inceptionShapes } from '@tokenset/eval';
import { formulaStateDict } from '@tokenset/formula-weights';
import { runCli } from '../src/main.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const TOKENIZER_PTH = join(FIXTURES, 'tokenizer.pth');
export const DIT1D_PTH = join(FIXTURES, 'dit1d.pth');
export const DEMO_PNG = fileURLToPath(new URL('../assets/demo.png', import.meta.url));
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** What one run of the command produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tokenset <args>` in this process (fast: modules are loaded once). */
export async function tokenset(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

/** Starts `tokenset <args>` as a child process, as a user would run it (no build needed). */
export function spawnTokenset(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, TOKENSET_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, done };
}

/** A DiT1D matching the fixture tokenizer (C = 32, M = 8), formula weights, written as ONNX. */
export async function writeGenerator(dir: string): Promise<string> {
  const path = join(dir, 'generator.onnx');
  const shapes = dit1dShapes({ codebookSize: 32, setSize: 8, hiddenSize: 32, depth: 2, numClasses: 10 });
  await writeFile(path, exportDiT1D(formulaStateDict(shapes), { numHeads: 4 }));
  return path;
}

/** torch-fidelity's InceptionV3 with formula weights, written as ONNX. */
export async function writeInception(dir: string): Promise<string> {
  const path = join(dir, 'inception.onnx');
  await writeFile(path, exportInceptionV3(formulaStateDict(inceptionShapes())).model);
  return path;
}

/** `--model <model> --tokenizer <the small tokenizer> --tokenizer-heads 4`: what every generating command needs here. */
export function modelFlags(model: string): string[] {
  return ['--model', model, '--tokenizer', TOKENIZER_PTH, '--tokenizer-heads', '4'];
}

/** Checks the error contract: one line `tokenset: ...` on stderr, no stack trace. */
export function oneErrorLine(run: CliRun): string {
  const lines = run.stderr.split('\n').filter((l) => l.length > 0);
  if (lines.length !== 1 || !lines[0].startsWith('tokenset: ') || /\n\s+at /.test(run.stderr)) {
    throw new Error(`expected one "tokenset: ..." line on stderr, got ${JSON.stringify(run.stderr)}`);
  }
  return lines[0];
}

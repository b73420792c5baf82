/**
 * What every example takes from its command line: positional arguments and `--out <folder>`, where
 * it writes (default: a folder under the OS temp dir, never the repository); and a progress printer
 * that redraws one line on a terminal and prints whole lines when piped.
 */

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** The example's positional arguments and its output folder (created). */
export function exampleArgs(name: string): { args: string[]; out: string } {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { out: { type: 'string', short: 'o' } },
    allowPositionals: true,
  });
  const out = values.out ?? join(tmpdir(), 'tokenset-examples', name);
  mkdirSync(out, { recursive: true });
  return { args: positionals, out };
}

/** Prints `label done/total`: in place on a terminal, one line each time otherwise (logs, pipes). */
export function progress(label: string): (done: number, total: number) => void {
  const tty = process.stdout.isTTY === true;
  return (done, total) => {
    const line = `${label} ${done}/${total}`;
    if (tty) process.stdout.write(`\r${line}${done === total ? '\n' : ''}`);
    else process.stdout.write(`${line}\n`);
  };
}

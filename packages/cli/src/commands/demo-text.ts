/** Text and paths shared by the two demos. */

import { fileURLToPath } from 'node:url';

/** The photo the demo reconstructs (MIT, "Copyright (c) Authors of TokenSet"). */
export const DEMO_IMAGE = fileURLToPath(new URL('../../assets/demo.png', import.meta.url));

/** Where to get the real weights, and the one command that uses them. */
export const RELEASED_CHECKPOINTS = [
  'The released, trained checkpoints:',
  '  set_tokenizer_128_4096.pth, fsdd_small_128_4096.pth, fsdd_base_128_4096.pth',
  '  from the official TokenSet release: https://github.com/Gengzigang/TokenSet ("Download pretrained models").',
  "For FID: torch-fidelity's InceptionV3 weights",
  '  https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth',
  "  and ADM's reference statistics adm_in256_stats.npz (the fid_stats folder of https://github.com/LTH14/mar).",
  'Then generate real images with:',
  '  tokenset generate --model fsdd_base_128_4096.pth --tokenizer set_tokenizer_128_4096.pth --classes 207,360,387,974 --per-class 2 --trajectory',
].join('\n');

/** Formats a timing table: one row per stage, seconds with two decimals. */
export function timingTable(rows: readonly [string, number][]): string {
  const width = Math.max(5, ...rows.map(([name]) => name.length));
  const lines = [`${'stage'.padEnd(width)}  seconds`, `${'-'.repeat(width)}  -------`];
  for (const [name, ms] of rows) lines.push(`${name.padEnd(width)}  ${(ms / 1000).toFixed(2).padStart(7)}`);
  const total = rows.reduce((s, [, ms]) => s + ms, 0);
  lines.push(`${'total'.padEnd(width)}  ${(total / 1000).toFixed(2).padStart(7)}`);
  return `${lines.join('\n')}\n`;
}

/** A stage timer: `time(name, fn)` runs `fn` and records its duration under `name` in `timings`. */
export function stageTimer(): {
  timings: [string, number][];
  time: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
} {
  const timings: [string, number][] = [];
  return {
    timings,
    async time(name, fn) {
      const start = performance.now();
      const result = await fn();
      timings.push([name, performance.now() - start]);
      return result;
    },
  };
}

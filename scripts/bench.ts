// `pnpm bench [filter...]`: runs every packages/*/bench/*.bench.ts (or those whose path contains a
// filter), each in its own process, prints one table and writes the rows to bench-results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './bench-types.ts';

const filters = process.argv.slice(2);
const files = readdirSync('packages')
  .flatMap((pkg) => {
    const dir = join('packages', pkg, 'bench');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.bench.ts'))
          .map((f) => join(dir, f))
      : [];
  })
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

const tmp = mkdtempSync(join(tmpdir(), 'tokenset-bench-'));
const results: (BenchRow & { file: string })[] = [];
let failures = 0;
for (const [i, file] of files.entries()) {
  const out = join(tmp, `${i}.json`);
  process.stderr.write(`bench ${file} ...\n`);
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', '--expose-gc', 'scripts/bench-one.ts', file, out],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (run.status !== 0 || !existsSync(out)) {
    failures++;
    process.stderr.write(`bench ${file} failed (exit ${run.status})\n`);
    continue;
  }
  for (const row of JSON.parse(readFileSync(out, 'utf8')) as BenchRow[]) results.push({ ...row, file });
}

const fmt = (x: number | undefined) =>
  x === undefined
    ? ''
    : Math.abs(x) >= 100
      ? x.toFixed(0)
      : Math.abs(x) >= 1
        ? x.toFixed(2)
        : x.toPrecision(3);
const table = results.map((r) => {
  const ratio = r.ceiling === undefined ? undefined : r.figure / r.ceiling;
  return {
    name: r.name,
    figure: fmt(r.figure),
    unit: r.unit,
    ceiling: r.ceiling === undefined ? '' : `${fmt(r.ceiling)} (${r.ceilingName ?? 'ceiling'})`,
    ratio: ratio === undefined ? '' : ratio.toFixed(3),
    goal: r.goal ?? '',
    met: r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  };
});
const headers = ['name', 'figure', 'unit', 'ceiling', 'ratio', 'goal', 'met'] as const;
const widths = headers.map((h) => Math.max(h.length, ...table.map((row) => row[h].length)));
const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
console.log(line(headers));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const row of table) console.log(line(headers.map((h) => row[h])));
writeFileSync('bench-results.json', `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n${results.length} rows from ${files.length} benchmark files written to bench-results.json`);
if (failures > 0) {
  console.error(`${failures} benchmark file(s) failed`);
  process.exit(1);
}

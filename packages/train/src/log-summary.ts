/** A short text summary of a run's JSON-lines log: the loss curve (and other figures) at a few points. */

import { readFile } from 'node:fs/promises';

/**
 * Mean of each logged figure over windows ending at 10%, 25%, 50%, 75% and 100% of the run, as a
 * Markdown table (one row per window).
 */
export async function summarizeLog(path: string): Promise<string> {
  const rows = (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(
      (line) =>
        JSON.parse(line) as { step: number; metrics: Record<string, number>; examplesPerSecond: number },
    )
    .filter((e) => e.metrics !== undefined);
  if (rows.length === 0) return '(empty log)';
  const last = rows[rows.length - 1].step;
  const keys = Object.keys(rows[0].metrics).filter((k) => k !== 'restarted');
  const out = [`| steps | ${keys.join(' | ')} |`, `|---|${keys.map(() => '---').join('|')}|`];
  let from = 0;
  for (const share of [0.1, 0.25, 0.5, 0.75, 1]) {
    const to = Math.round(share * last);
    const window = rows.filter((r) => r.step > from && r.step <= to);
    if (window.length > 0) {
      const mean = (k: string) => window.reduce((s, r) => s + (r.metrics[k] ?? 0), 0) / window.length;
      out.push(`| ${from + 1}–${to} | ${keys.map((k) => format(mean(k))).join(' | ')} |`);
    }
    from = to;
  }
  out.push('', `speed: ${rows[rows.length - 1].examplesPerSecond.toFixed(1)} examples/s`);
  return out.join('\n');
}

function format(x: number): string {
  return Math.abs(x) >= 10 ? x.toFixed(1) : x.toPrecision(3);
}

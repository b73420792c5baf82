import { readFileSync } from 'node:fs';

/**
 * This process's peak resident memory in MiB, from /proc/self/status `VmHWM` (reset by exec, unlike
 * `getrusage`'s maxRSS, which a spawned child inherits from its parent's fork on Linux).
 */
export function peakResidentMiB(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS / 1024;
}

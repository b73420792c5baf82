// The sampler as it was before the partial-selection work (packages/fsdd/src at OLD_COMMIT),
// extracted from git into node_modules/.cache so the benchmark can time old and new in one run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { sample } from '../src/index.ts';

/** The last commit of main before the sampler-speed work. */
export const OLD_COMMIT = '2be8a81';

/** Loads the old `sample`, or returns undefined when git or the commit is not available. */
export async function oldSample(): Promise<typeof sample | undefined> {
  const root = new URL('../../../', import.meta.url).pathname;
  const dir = new URL(`../node_modules/.cache/old-fsdd-${OLD_COMMIT}/src/`, import.meta.url);
  try {
    const files = execFileSync('git', ['ls-tree', '--name-only', `${OLD_COMMIT}:packages/fsdd/src`], {
      cwd: root,
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const text = execFileSync('git', ['show', `${OLD_COMMIT}:packages/fsdd/src/${file}`], { cwd: root });
      writeFileSync(new URL(file, dir), text);
    }
  } catch {
    return undefined;
  }
  const mod = (await import(new URL('index.ts', dir).href)) as { sample: typeof sample };
  return mod.sample;
}

// Every package README's runnable example (a ```js example block), run against the TypeScript
// sources, prints what the README says it prints. CI runs the same examples again from the packed
// tarballs installed with npm outside the repository, as ESM and as CommonJS (.ci/consumer/run.mjs).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cudaProviderInstalled } from '@tokenset/runtime';
import { describe, expect, it } from 'vitest';
import { readmeExamples } from '../.ci/consumer/readme-examples.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .filter((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private !== true);

describe.each(packages)('%s/README.md', (dir) => {
  const examples = readmeExamples([{ name: dir, readme: join(dir, 'README.md') }]);

  it('has a runnable example with its output', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples)('$where prints what the README says', async (example) => {
    // The READMEs show the output of a default install, where device 'auto' runs on the CPU.
    if (cudaProviderInstalled() && /\bcpu\b/.test(example.output)) return;
    // Inside the package's folder, so that the package (by its own name) and its dependencies resolve.
    const folder = join(dir, '.readme-examples');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `${example.id}.mjs`);
    writeFileSync(file, example.code);
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--conditions=source', file],
        { cwd: root, encoding: 'utf8' },
      );
      expect(stdout.trimEnd()).toBe(example.output.trimEnd());
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

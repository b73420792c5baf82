// The packages as an npm user gets them: builds dist, packs every public package under packages/*
// with pnpm (workspace:* becomes versions, publishConfig applies), checks each tarball (manifest
// fields, LICENSE, every file the exports, bin and source maps refer to; publint; attw), installs
// the tarballs with plain npm into a project outside the repository (onnxruntime-node's install
// script skipped as the READMEs say), then runs there every package README's runnable example as
// ESM and as CommonJS (comparing the output with the README's), type-checks them and a file that
// imports every package under moduleResolution node16 and bundler, and runs `tokenset --help` and
// `tokenset demo`.
//
// Usage: node .ci/consumer/run.mjs [--keep] [--skip-build]   (from the repository root)
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readmeExamples, toCommonJs } from './readme-examples.mjs';
import { tarballProblems } from './tarball-checks.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const keep = process.argv.includes('--keep');
const skipBuild = process.argv.includes('--skip-build');
const PNPM = ['-y', 'pnpm@12.4.2'];
const started = performance.now();
const failures = [];

function run(command, args, options = {}) {
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, ...options.env },
  });
}

const execFileAsync = promisify(execFile);

/** `run`, without blocking: independent checks overlap (the machine may be busy with other work). */
async function runAsync(command, args, options = {}) {
  const { stdout } = await execFileAsync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, ...options.env },
  });
  return stdout;
}

/** Runs `fn` on every item, at most `limit` at a time. */
async function pool(items, limit, fn) {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    while (queue.length > 0) await fn(queue.shift());
  });
  await Promise.all(workers);
}

async function step(name, fn) {
  const t0 = performance.now();
  const result = await fn();
  console.log(`  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}

function check(condition, message) {
  if (!condition) failures.push(message);
  return condition;
}

// 1. Build and pack every public package under packages/*.
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true);
const work = mkdtempSync(join(tmpdir(), 'tokenset-consumer-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
console.log(`consumer check in ${work}`);
if (!skipBuild)
  await step('build dist (pnpm build)', () => runAsync('npx', [...PNPM, 'build'], { cwd: root }));
const packed = await step(`pack ${packages.length} packages (pnpm pack)`, async () => {
  const filters = packages.flatMap(({ manifest }) => ['--filter', manifest.name]);
  await runAsync('npx', [...PNPM, '-r', ...filters, 'pack', '--pack-destination', tarballs], { cwd: root });
  return packages.map(({ dir, manifest }) => {
    const file = `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`;
    if (!existsSync(join(tarballs, file))) throw new Error(`pnpm pack: expected ${file} in ${tarballs}`);
    return { name: manifest.name, file: join(tarballs, file), dir };
  });
});

// 2. Check each tarball as published (tarball-checks.mjs), then with publint and attw.
await step('check tarballs (manifest, LICENSE, referenced files, publint, attw)', () =>
  pool(packed, 3, async (pkg) => {
    const out = join(work, 'unpacked', pkg.name.replace('/', '+'));
    mkdirSync(out, { recursive: true });
    run('tar', ['xzf', pkg.file, '-C', out]);
    const dir = join(out, 'package');
    const files = new Set(
      run('tar', ['tzf', pkg.file])
        .split('\n')
        .filter(Boolean)
        .map((p) => p.replace(/^package\//, '')),
    );
    pkg.size = readFileSync(pkg.file).length;
    pkg.count = files.size;
    const where = `${pkg.name} tarball`;
    failures.push(...tarballProblems(dir, files));
    const publint = await runAsync(join(root, 'node_modules', '.bin', 'publint'), [
      dir,
      '--pack',
      'false',
      '--strict',
    ]);
    pkg.publint = publint.trim().split('\n').at(-1);
    check(publint.includes('All good!'), `${where}: publint reported:\n${publint}`);
    try {
      await runAsync(join(root, 'node_modules', '.bin', 'attw'), [
        pkg.file,
        '--profile',
        'esm-only',
        '--format',
        'table-flipped',
      ]);
      pkg.attw = 'no problems';
    } catch (error) {
      failures.push(`${where}: attw reported:\n${error.stdout}${error.stderr}`);
    }
  }),
);
if (failures.length > 0) finish();

// 3. A project outside the repository, installed with plain npm from the tarballs and the registry.
const project = join(work, 'project');
mkdirSync(join(project, 'examples'), { recursive: true });
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tensorIo = JSON.parse(readFileSync(join(root, 'packages', 'tensor-io', 'package.json'), 'utf8'));
const tools = {
  typescript: rootManifest.devDependencies.typescript,
  '@types/node': rootManifest.devDependencies['@types/node'],
  ndarray: tensorIo.devDependencies.ndarray,
  '@types/ndarray': tensorIo.devDependencies['@types/ndarray'],
};
writeFileSync(
  join(project, 'package.json'),
  `${JSON.stringify({ name: 'tokenset-consumer', private: true, version: '1.0.0' }, null, 2)}\n`,
);
for (const name of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
  writeFileSync(join(project, name), readFileSync(join(here, name)));
}
await step('npm install (tarballs; ONNXRUNTIME_NODE_INSTALL=skip)', () =>
  runAsync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...packed.map((p) => p.file),
      ...Object.entries(tools).map(([name, range]) => `${name}@${range}`),
    ],
    { cwd: project, env: { ONNXRUNTIME_NODE_INSTALL: 'skip' } },
  ),
);

// 4. Every package README's runnable example, as ESM and as CommonJS; output as the README says.
// Type-checked (5) with a strictly typed use of the API and an import of every package, under
// moduleResolution node16 and bundler; and the installed command (6). All of it overlaps.
const examples = readmeExamples(packed.map((p) => ({ name: p.name, readme: join(p.dir, 'README.md') })));
for (const pkg of packed) {
  check(
    examples.some((e) => e.id.startsWith(`${basename(pkg.dir)}-`)),
    `${pkg.name}: expected a runnable example in its README (a \`\`\`js example block and its \`\`\`text output)`,
  );
}
const runs = [];
for (const example of examples) {
  const base = join(project, 'examples', example.id);
  writeFileSync(`${base}.mjs`, example.code);
  writeFileSync(`${base}.mts`, example.code);
  writeFileSync(`${base}.cjs`, toCommonJs(example.code));
  for (const ext of ['mjs', 'cjs']) runs.push({ example, file: `${base}.${ext}`, ext });
}
for (const file of readdirSync(here).filter((f) => f.endsWith('.mts') && !f.endsWith('.d.mts'))) {
  writeFileSync(join(project, 'examples', file), readFileSync(join(here, file)));
}
writeFileSync(
  join(project, 'examples', 'all-packages.mts'),
  packed
    .map((p, i) => `import * as p${i} from '${p.name}';\nconsole.log(Object.keys(p${i}).length);`)
    .join('\n')
    .concat('\n'),
);
const bin = (name) => join(project, 'node_modules', '.bin', name);
await Promise.all([
  step(`run ${examples.length} README examples (ESM and CommonJS)`, () =>
    pool(runs, 2, async ({ example, file, ext }) => {
      let stdout;
      try {
        stdout = await runAsync('node', [file], { cwd: project });
      } catch (error) {
        failures.push(`${example.where} (${ext}): failed:\n${error.stderr || error.message}`);
        return;
      }
      check(
        stdout.trimEnd() === example.output.trimEnd(),
        `${example.where} (${ext}): expected the README's output\n${example.output}\ngot\n${stdout}`,
      );
    }),
  ),
  ...['tsconfig.node16.json', 'tsconfig.bundler.json'].map((config) =>
    step(`tsc -p ${config}`, async () => {
      try {
        await runAsync(bin('tsc'), ['-p', config], { cwd: project });
      } catch (error) {
        failures.push(`tsc -p ${config}:\n${error.stdout}${error.stderr}`);
      }
    }),
  ),
  step('tokenset --help, tokenset demo', async () => {
    try {
      const help = await runAsync(bin('tokenset'), ['--help'], { cwd: project });
      check(/usage: tokenset/.test(help), `tokenset --help: expected a usage line, got\n${help}`);
      // The trained demo needs @tokenset/demo-models' .pth files; until they are in the package the
      // formula-weight demo (the same pipeline on untrained weights) is what an npm user can run.
      const trained = existsSync(
        join(project, 'node_modules', '@tokenset', 'demo-models', 'models', 'tokenizer.pth'),
      );
      const args = ['demo', '--out', join(work, 'demo'), ...(trained ? ['--per-class', '2'] : ['--formula'])];
      console.log(`  running: tokenset ${args.join(' ')}`);
      const out = await runAsync(bin('tokenset'), args, { cwd: project });
      check(/outputs in |The released/.test(out), `tokenset demo: expected it to finish, got\n${out}`);
    } catch (error) {
      failures.push(`tokenset: failed:\n${error.stderr || error.message}`);
    }
  }),
]);
finish();

function finish() {
  console.log('\npackage                      tarball     files  publint    attw (esm-only)');
  for (const p of packed ?? []) {
    if (p.size === undefined) continue;
    console.log(
      `${p.name.padEnd(28)} ${`${(p.size / 1024).toFixed(1)} KiB`.padStart(10)} ${String(p.count).padStart(6)}  ${(p.publint ?? '').padEnd(10)} ${p.attw ?? ''}`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  if (!keep) rmSync(work, { recursive: true, force: true });
  if (failures.length > 0) {
    console.error(`\nconsumer check FAILED (${seconds.toFixed(0)} s):\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`\nconsumer check passed in ${seconds.toFixed(0)} s`);
  process.exit(0);
}

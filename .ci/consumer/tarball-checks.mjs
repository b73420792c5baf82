// What a published tarball must hold, checked on its unpacked contents: the manifest fields npm
// users and registries read, the licence (with the original authors' notice where their asset is
// shipped), versions instead of workspace: ranges, no repository-only `source` export condition,
// and every file the manifest and the source maps refer to.
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const REQUIRED = [
  'name',
  'version',
  'description',
  'license',
  'keywords',
  'homepage',
  'bugs',
  'repository',
  'engines',
  'sideEffects',
  'exports',
  'files',
];

/**
 * @param {string} dir - the unpacked `package/` folder
 * @param {Set<string>} files - the tarball's file paths, relative to `package/`
 * @returns {string[]} one message per problem ("expected X, got Y"); empty when the tarball is right
 */
export function tarballProblems(dir, files) {
  const problems = [];
  const check = (ok, message) => ok || problems.push(message);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const where = `${manifest.name} tarball`;
  for (const key of REQUIRED) {
    check(manifest[key] !== undefined, `${where}: expected package.json '${key}', got none`);
  }
  check(files.has('LICENSE'), `${where}: expected a LICENSE file, got none`);
  check(files.has('README.md'), `${where}: expected README.md, got none`);
  const license = files.has('LICENSE') ? readFileSync(join(dir, 'LICENSE'), 'utf8') : '';
  check(
    /Copyright \(c\) 2026 TokenSet for Node\.js contributors/.test(license),
    `${where}: expected the project's copyright line in LICENSE, got none`,
  );
  if ([...files].some((f) => f.endsWith('demo.png'))) {
    check(
      license.includes('Copyright (c) Authors of TokenSet'),
      `${where}: ships demo.png, expected the original authors' notice in LICENSE, got none`,
    );
  }
  const deps = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
  for (const [dep, spec] of Object.entries(deps)) {
    check(
      !String(spec).startsWith('workspace:'),
      `${where}: dependency ${dep}: expected a version, got '${spec}'`,
    );
  }
  const referenced = [];
  const walk = (value, path) => {
    if (typeof value === 'string') referenced.push([`exports${path}`, value]);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        check(key !== 'source', `${where}: exports${path}: expected no 'source' condition, got one`);
        walk(inner, `${path}.${key}`);
      }
    }
  };
  walk(manifest.exports, '');
  for (const key of ['main', 'types', 'typings', 'module']) {
    if (manifest[key]) referenced.push([key, manifest[key]]);
  }
  const bin = typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
  for (const [name, target] of Object.entries(bin)) referenced.push([`bin.${name}`, target]);
  for (const [path, target] of referenced) {
    const file = posix.normalize(target).replace(/^\.\//, '');
    check(files.has(file), `${where}: ${path}: expected ${target} in the tarball, got none`);
  }
  for (const map of [...files].filter((f) => f.endsWith('.map'))) {
    const { sources = [] } = JSON.parse(readFileSync(join(dir, map), 'utf8'));
    for (const source of sources) {
      const file = posix.normalize(posix.join(posix.dirname(map), source));
      check(files.has(file), `${where}: ${map}: expected its source ${source} in the tarball, got none`);
    }
  }
  return problems;
}

/**
 * The browser bundle of the libraries (set-codec, fsdd, onnx-graph, runtime, dit1d, tokenizer,
 * tensor-io, image, and demo-models' `/sampler` entry) holds no `node:` import: the `browser`
 * condition of the packages' `imports` (`#platform`, `#session`…) swaps every Node.js-only module
 * for its browser stand-in. Builds with the page's esbuild options (about a second).
 */

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BUNDLE_OPTIONS } from '../build.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PACKAGES = ['set-codec', 'fsdd', 'onnx-graph', 'runtime', 'dit1d', 'tokenizer', 'tensor-io', 'image'];

async function bundle(contents: string) {
  const result = await esbuild.build({
    ...BUNDLE_OPTIONS,
    entryPoints: undefined,
    stdin: { contents, resolveDir: join(here, '..'), loader: 'ts' },
    write: false,
    outfile: 'bundle.js',
    logLevel: 'silent',
  });
  const inputs = result.metafile?.inputs ?? {};
  const nodeImports = Object.entries(inputs).flatMap(([file, input]) =>
    input.imports
      .filter((i) => i.path.startsWith('node:') || i.original?.startsWith('node:'))
      .map((i) => `${file} → ${i.path}`),
  );
  return { inputs: Object.keys(inputs), nodeImports, bytes: result.outputFiles?.[0]?.contents.length ?? 0 };
}

describe('the browser bundle', () => {
  it('of every library has no node: import and none of the Node.js-only modules', async () => {
    const entry = [
      ...PACKAGES.map((p) => `export * as ${p.replace('-', '_')} from '@tokenset/${p}';`),
      "export * as web from '@tokenset/runtime/web';",
      "export * as demoSampler from '@tokenset/demo-models/sampler';",
    ].join('\n');
    const { inputs, nodeImports } = await bundle(entry);
    expect(nodeImports).toEqual([]);
    const nodeOnly = inputs.filter((f) =>
      /packages\/[a-z0-9-]+\/src\/(platform|session|read|write|list|row-threads)\.ts$/.test(f),
    );
    expect(nodeOnly).toEqual([]);
    expect(inputs.some((f) => f.endsWith('runtime/src/session.browser.ts'))).toBe(true);
    expect(inputs.some((f) => f.includes('onnxruntime-node'))).toBe(false);
  });

  it('of the page has no node: import; its size without the models is printed', async () => {
    const { nodeImports, bytes } = await bundle("import './src/main.ts';");
    expect(nodeImports).toEqual([]);
    console.log(
      `page bundle: ${(bytes / 1024).toFixed(0)} KiB minified (without the models and onnxruntime-web's .wasm)`,
    );
    expect(bytes).toBeGreaterThan(0);
  });
});

/**
 * Builds the page into `dist/`: the bundle (esbuild, browser platform: the packages' `browser`
 * maps swap in onnxruntime-web and drop the Node.js-only modules), the HTML, the service worker,
 * onnxruntime-web's WebAssembly files and the models. Prints the bundle's size.
 *
 * Models: the trained demo models of @tokenset/demo-models when present, else stand-ins of the
 * same sizes with formula weights (`scripts/stand-in-models.ts`, not trained: they draw noise).
 */

import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { modelFolder } from './scripts/model-folder.ts';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');

/** The options of the page's bundle (the bundle-content test builds with the same). */
export const BUNDLE_OPTIONS: esbuild.BuildOptions = {
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  // 'source': the packages' TypeScript sources; 'onnxruntime-web-use-extern-wasm': onnxruntime-web
  // loads its WebAssembly glue from `ort/` (so its worker threads do not start the page's script).
  conditions: ['source', 'onnxruntime-web-use-extern-wasm'],
  metafile: true,
  logLevel: 'warning',
};

/** onnxruntime-web's runtime files the page loads (WebAssembly with threads, SIMD and WebGPU). */
export const ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

/** Builds everything into `dist/`; returns the size of `app.js` in bytes. */
export async function buildPage(): Promise<number> {
  mkdirSync(join(out, 'ort'), { recursive: true });
  mkdirSync(join(out, 'models'), { recursive: true });
  const result = await esbuild.build({ ...BUNDLE_OPTIONS, outfile: join(out, 'app.js') });
  writeFileSync(join(out, 'meta.json'), JSON.stringify(result.metafile ?? {}));
  copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
  copyFileSync(join(here, 'sw.js'), join(out, 'sw.js'));
  const require = createRequire(join(here, '../../packages/runtime/package.json'));
  const ortDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
  for (const file of ORT_FILES) copyFileSync(join(ortDist, file), join(out, 'ort', file));
  const models = await modelFolder();
  for (const file of ['tokenizer.pth', 'tokenizer.json', 'generator.pth', 'classifier.pth']) {
    if (existsSync(join(models, file))) copyFileSync(join(models, file), join(out, 'models', file));
  }
  const outputs = result.metafile?.outputs ?? {};
  return Object.values(outputs)[0]?.bytes ?? 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await buildPage();
  console.log(
    `built ${out}: app.js ${(bytes / 1024).toFixed(0)} KiB (without the models and onnxruntime-web's .wasm)`,
  );
}

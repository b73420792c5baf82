/**
 * `pnpm web`: builds the page and serves `dist/` on http://localhost:5173 (PORT to change it),
 * cross-origin isolated (COOP/COEP headers) so that onnxruntime-web can use WebAssembly threads.
 */

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from './build.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.pth': 'application/octet-stream',
};

/** Serves `root` on `port` (0: any free port) with the headers that make the page cross-origin isolated. */
export function serveFolder(root: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Cache-Control', 'no-cache');
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await buildPage();
  const root = join(fileURLToPath(new URL('.', import.meta.url)), 'dist');
  const server = await serveFolder(root, Number(process.env.PORT ?? 5173));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 5173;
  console.log(
    `app.js ${(bytes / 1024).toFixed(0)} KiB; serving ${root} on http://localhost:${port}/ (Ctrl-C stops)`,
  );
}

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against each package's TypeScript sources, so `pnpm test` needs no build first.
// Vite's default server conditions plus 'source', so that the packages' own subpath imports
// (`#platform`, `#session`…) resolve to their TypeScript sources as the exports do.
const ssr = { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } };

const alias = [
  {
    find: /^@tokenset\/([a-z0-9-]+)$/,
    replacement: fileURLToPath(new URL('./packages/$1/src/index.ts', import.meta.url)),
  },
];

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        ssr,
        test: {
          name: 'unit',
          // examples/web's bundle check is quick (one esbuild run); its browser test is a project of its own.
          include: [
            'packages/*/test/**/*.test.ts',
            'scripts/**/*.test.ts',
            'examples/web/test/bundle.test.ts',
          ],
          exclude: ['packages/*/test/**/*.full.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The page of examples/web in headless Chromium (`pnpm test:browser`; CI runs it after the
        // unit tests): builds the page, so it is a project of its own.
        resolve: { alias },
        ssr,
        test: {
          name: 'browser',
          include: ['examples/web/test/browser.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Full-size parity checks against ../shared/reference/full (copied into fixtures): slow,
        // opt-in with `pnpm test:full`.
        resolve: { alias },
        ssr,
        test: {
          name: 'full',
          include: ['packages/*/test/**/*.full.test.ts'],
          testTimeout: 1_200_000,
          hookTimeout: 1_200_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

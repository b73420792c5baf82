import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against each package's TypeScript sources, so `pnpm test` needs no build first.
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
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['packages/*/test/**/*.full.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Full-size parity checks against ../shared/reference/full (copied into fixtures): slow,
        // opt-in with `pnpm test:full`.
        resolve: { alias },
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

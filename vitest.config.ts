import { configDefaults, defineConfig } from 'vitest/config';
import { defaultServerConditions } from 'vite';

// Tests run the TypeScript sources directly: the '@tensorgrad/source' export condition points each
// package at src/, so no build step stands between an edit and a test run.
const conditions = ['@tensorgrad/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@tensorgrad/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'],
    // The suites that drive Chromium run apart: `pnpm test:browser` (test/browser/vitest.config.ts).
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

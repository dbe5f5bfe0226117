import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { defaultServerConditions } from 'vite';

// `pnpm test:browser`: the suites that drive Chromium (test/browser/*.browser.test.ts). Apart from
// `pnpm test`: each builds a page and starts a browser. Node-side code runs from the packages' sources,
// as in the main suite.
const conditions = ['@tensorgrad/source', ...defaultServerConditions];

export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@tensorgrad/source'] } },
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // One browser at a time: the machine has two cores, and the pages time their own steps.
    fileParallelism: false,
  },
});

import { defaultClientConditions, defineConfig } from 'vite';

// From the packages' TypeScript sources, as the playground and the tests. The suite (suite.ts) serves the
// build cross-origin isolated itself (test/browser/serve.ts); the dev server sends the same headers.
export default defineConfig({
  resolve: { conditions: ['@tensorgrad/source', ...defaultClientConditions] },
  build: { target: 'es2022' },
  worker: { format: 'es' },
  server: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});

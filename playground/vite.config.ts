import { defaultClientConditions, defineConfig, type Connect, type Plugin } from 'vite';

// Builds from the packages' TypeScript sources (the '@tensorgrad/source' export condition, as the tests
// do), so `pnpm playground` needs no `pnpm build` first.
const conditions = ['@tensorgrad/source', ...defaultClientConditions];

/**
 * COOP/COEP on every response, so the page is cross-origin isolated and the kernel may start its second
 * thread (SharedArrayBuffer) — except for a page asked for with `?isolated=0`, which is served without
 * them, to try the one-thread mode. The resources such a page loads may still carry the headers: only
 * the document's decide whether it is isolated.
 */
function isolationHeaders(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    if (!/[?&]isolated=0(&|$)/.test(req.url ?? '')) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    }
    next();
  };
  return {
    name: 'tensorgrad-isolation-headers',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

export default defineConfig({
  resolve: { conditions },
  plugins: [isolationHeaders()],
  // Graphviz compiled to WebAssembly (viz's layout engine, loaded when the first diagram is drawn) is a chunk of about 1.4 MB.
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  worker: { format: 'es' },
  server: { port: 5173 },
  preview: { port: 4173 },
});

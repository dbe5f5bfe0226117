import { serveJobs } from './chunk-loop.js';
import type { GemmExport } from './wasm-module.js';

/**
 * The kernel's second thread in a browser: a module Web Worker, started by threads.ts as
 * `new Worker(new URL('./web-worker.js', import.meta.url), { type: 'module' })` (the form bundlers such
 * as vite, webpack and esbuild-based ones recognize and bundle as a worker chunk). The page must be
 * cross-origin isolated: the first message brings the compiled module and the shared memory, which
 * postMessage can carry only then. The worker then instantiates the module over that memory and serves
 * jobs until the page goes away.
 */

export interface WebWorkerStart {
  module: object;
  memory: { readonly buffer: ArrayBufferLike };
  work: number;
  tile: number;
}

interface WorkerScope {
  addEventListener(type: 'message', listener: (event: { data: WebWorkerStart }) => void, options: { once: boolean }): void;
}
interface InstanceApi {
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

(globalThis as unknown as WorkerScope).addEventListener(
  'message',
  ({ data }) => {
    const api = (globalThis as unknown as { WebAssembly: InstanceApi }).WebAssembly;
    const gemm = new api.Instance(data.module, { env: { memory: data.memory } }).exports.gemm as GemmExport;
    serveJobs(gemm, data.memory, data.work, data.tile);
  },
  { once: true },
);

// The browser's worker loop (kernels/chunk-loop.ts: serveJobs and the typed runChunk/moveChunk, which a
// page's Web Worker runs) driven through the real protocol in a Node worker_thread: the test posts jobs
// into a control block of a fresh shared memory the way runTwoThreads does and leaves every chunk to the
// worker; C must equal the one-thread product bit for bit. Chromium runs the same loop as a Web Worker
// (test/browser); this keeps it covered where no browser is installed.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ARGS, COPIED, DONE, FREE, JOB, JOB_ARGS, NEXT, READY, STATE, WORKER_CHUNKS } from '../src/kernels/protocol.js';
import { chunking } from '../src/kernels/threads.js';
import { ARENA_BASE, CTRL_BYTES, MAX_PAGES, PAGE, WORKER_C, WORK_BASE, gemmWorkBytes, state, tileParams, type GemmExport } from '../src/kernels/wasm-module.js';

const shared = state !== null && state.shared;

interface Api {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

describe.runIf(shared)('the Web Worker loop (chunk-loop.ts) in a worker thread', () => {
  const api = (globalThis as unknown as { WebAssembly: Api }).WebAssembly;
  const dataBytes = 8 << 20;
  const memory = new api.Memory({ initial: Math.ceil((ARENA_BASE + dataBytes) / PAGE), maximum: MAX_PAGES, shared: true });
  const gemm = new api.Instance(state!.module, { env: { memory } }).exports.gemm as GemmExport;
  const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
  const f64 = new Float64Array(memory.buffer);
  // The loop as a page's bundler would ship it: chunk-loop.ts and protocol.ts in one script.
  const loop = buildSync({ entryPoints: [fileURLToPath(new URL('../src/kernels/chunk-loop.ts', import.meta.url))], bundle: true, format: 'iife', globalName: 'chunkLoop', write: false, logLevel: 'silent' }).outputFiles[0]!.text;
  const source = `${loop}
const { workerData } = require('node:worker_threads');
const { module, memory, work, tile } = workerData;
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
chunkLoop.serveJobs(gemm, memory, work, tile);`;
  const worker = new Worker(source, { eval: true, workerData: { module: state!.module, memory, work: WORK_BASE + gemmWorkBytes, tile: WORKER_C } });
  worker.unref();
  afterAll(() => worker.terminate());
  let job = 0;

  /** Posts one job (all chunks free, operands in place) and waits until the worker has done every chunk. */
  function runOnWorker(args: number[], chunks: number): void {
    job++;
    for (let i = 0; i < JOB_ARGS; i++) ctrl[ARGS + i] = args[i]!;
    for (let i = 0; i < chunks; i++) ctrl[STATE + i] = (job << 3) | FREE;
    Atomics.store(ctrl, NEXT, 0);
    Atomics.store(ctrl, COPIED, chunks);
    Atomics.store(ctrl, JOB, job);
    Atomics.notify(ctrl, JOB);
    for (let i = 0; i < chunks; i++) {
      for (let st = Atomics.load(ctrl, STATE + i); (st & 7) !== DONE; st = Atomics.load(ctrl, STATE + i)) Atomics.wait(ctrl, STATE + i, st, 1000);
    }
    Atomics.store(ctrl, JOB, -job);
  }

  async function ready(): Promise<void> {
    for (let i = 0; i < 500 && Atomics.load(ctrl, READY) !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(Atomics.load(ctrl, READY)).toBe(1);
  }

  const cases = [
    { m: 300, n: 70, k: 129, accumulate: true, ownTile: true }, // along m, into the worker's tile, C += A·B
    { m: 50, n: 260, k: 64, accumulate: false, ownTile: false }, // along n, straight into C
  ];
  for (const { m, n, k, accumulate, ownTile } of cases) {
    it(`computes every chunk of a ${m}x${k} · ${k}x${n} product (${m >= n ? 'along m' : 'along n'}${accumulate ? ', accumulating' : ''}) as one thread does`, async () => {
      await ready();
      const a = ARENA_BASE;
      const b = a + 8 * m * k;
      const c = b + 8 * k * n;
      const expected = c + 8 * m * n;
      let seed = 1;
      const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
      for (let i = 0; i < m * k + k * n + m * n; i++) f64[a / 8 + i] = rand();
      f64.copyWithin(expected / 8, c / 8, c / 8 + m * n);
      gemm(m, n, k, a, k, 1, b, n, 1, expected, n, accumulate ? 1 : 0, WORK_BASE, 0);
      const alongM = m >= n;
      const { size, chunks } = chunking(alongM ? m : n, m * n * k, alongM ? tileParams.mr : tileParams.nr);
      const before = Atomics.load(ctrl, WORKER_CHUNKS);
      runOnWorker([m, n, k, a, k, 1, b, n, 1, c, accumulate ? 1 : 0, alongM ? 1 : 0, size, chunks, ownTile ? 1 : 0, 0], chunks);
      expect(chunks).toBeGreaterThan(1);
      // The worker counts a chunk just after marking it done.
      for (let i = 0; i < 100 && Atomics.load(ctrl, WORKER_CHUNKS) - before < chunks; i++) await new Promise((r) => setTimeout(r, 5));
      expect(Atomics.load(ctrl, WORKER_CHUNKS) - before).toBe(chunks);
      const got = new BigUint64Array(memory.buffer, c, m * n);
      const want = new BigUint64Array(memory.buffer, expected, m * n);
      let differing = 0;
      for (let i = 0; i < m * n; i++) if (got[i] !== want[i]) differing++;
      expect(differing).toBe(0);
    });
  }
});

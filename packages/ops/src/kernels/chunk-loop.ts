import type { GemmExport } from './wasm-module.js';
import { ARGS, B_PACKED, COMPUTING, COPIED, DONE, FREE, JOB, JOB_ARGS, MAX_CHUNKS, NEXT, PENDING, PUBLISHING, READY, STATE, WORKER_CHUNKS, WORKER_PACKED_CHUNKS } from './protocol.js';

/**
 * The worker's side of the two-thread protocol as plain functions, for the browser: the Web Worker
 * (web-worker.ts) runs serveJobs, and the main thread of a page runs runChunk from here. A page with a
 * strict Content-Security-Policy refuses code built from strings, which is how Node's worker_thread
 * gets the same code (threads.ts's RUN_CHUNK and WORKER_SOURCE, run with `eval`, so that the TypeScript
 * sources and dist/ start the same worker). The two copies are one protocol step for step;
 * packages/ops/test/web-worker.test.ts runs both on the same jobs and compares the memory bit for bit.
 * Only type imports from wasm-module.ts: importing it would instantiate a second kernel in the worker.
 */

/** See threads.ts's RUN_CHUNK, of which this is the typed copy. */
export function runChunk(gemm: GemmExport, g: ArrayLike<number>, index: number, work: number, tile: number, bPacked: number): void {
  const m = g[0]!, n = g[1]!, k = g[2]!, aRs = g[4]!, aCs = g[5]!, bRs = g[7]!, bCs = g[8]!, size = g[12]!;
  if (g[11] === 1) {
    const i0 = index * size, rows = Math.min(size, m - i0);
    gemm(rows, n, k, g[3]! + 8 * i0 * aRs, aRs, aCs, g[6]!, bRs, bCs, tile < 0 ? g[9]! + 8 * i0 * n : tile, n, g[10]!, work, bPacked);
  } else {
    const j0 = index * size, cols = Math.min(size, n - j0);
    gemm(m, cols, k, g[3]!, aRs, aCs, g[6]! + 8 * j0 * bCs, bRs, bCs, tile < 0 ? g[9]! + 8 * j0 : tile, tile < 0 ? n : cols, g[10]!, work, 0);
  }
}

/** Copies chunk `index` of C into the tile (before accumulating into it) or back. */
export function moveChunk(f64: Float64Array, g: ArrayLike<number>, index: number, tile: number, intoTile: boolean): void {
  const m = g[0]!, n = g[1]!, size = g[12]!, c = g[9]! / 8, t = tile / 8;
  if (g[11] === 1) {
    const from = c + index * size * n, len = Math.min(size, m - index * size) * n;
    if (intoTile) f64.copyWithin(t, from, from + len);
    else f64.copyWithin(from, t, t + len);
  } else {
    const j0 = index * size, cols = Math.min(size, n - j0);
    for (let i = 0; i < m; i++) {
      if (intoTile) f64.copyWithin(t + i * cols, c + i * n + j0, c + i * n + j0 + cols);
      else f64.copyWithin(c + i * n + j0, t + i * cols, t + i * cols + cols);
    }
  }
}

/** The worker's loop (see threads.ts's WORKER_SOURCE for the protocol); never returns. */
export function serveJobs(gemm: GemmExport, memory: { readonly buffer: ArrayBufferLike }, work: number, tile: number): never {
  const ctrl = new Int32Array(memory.buffer, 0, STATE + MAX_CHUNKS);
  const args = new Int32Array(JOB_ARGS);
  let f64 = new Float64Array(memory.buffer);
  Atomics.store(ctrl, READY, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, JOB, seen);
    let job = Atomics.load(ctrl, JOB);
    if (job === PENDING) {
      // Woken ahead of a job (waking a sleeping core takes a fraction of a millisecond): spin for it.
      const until = Date.now() + 20;
      while ((job = Atomics.load(ctrl, JOB)) === PENDING && Date.now() < until);
    }
    seen = job;
    if (job <= 0 || job === PENDING) continue;
    args.set(ctrl.subarray(ARGS, ARGS + JOB_ARGS));
    if (Atomics.load(ctrl, JOB) !== job) continue;
    if (f64.buffer.byteLength !== memory.buffer.byteLength) f64 = new Float64Array(memory.buffer);
    const tag = (job & 0xffffff) << 3, ownTile = args[14] === 1;
    while (Atomics.load(ctrl, JOB) === job) {
      const index = Atomics.add(ctrl, NEXT, 1);
      if (index >= args[13]!) break;
      while (Atomics.load(ctrl, COPIED) <= index && Atomics.load(ctrl, JOB) === job);
      const slot = STATE + index;
      if (Atomics.load(ctrl, JOB) !== job) break;
      if (Atomics.compareExchange(ctrl, slot, tag | FREE, tag | COMPUTING) !== (tag | FREE)) continue;
      const bPacked = args[15] !== 0 && Atomics.load(ctrl, B_PACKED) === job ? args[15]! : 0;
      if (ownTile) {
        if (args[10] === 1) moveChunk(f64, args, index, tile, true);
        runChunk(gemm, args, index, work, tile, bPacked);
        if (Atomics.compareExchange(ctrl, slot, tag | COMPUTING, tag | PUBLISHING) !== (tag | COMPUTING)) continue;
        moveChunk(f64, args, index, tile, false);
      } else {
        runChunk(gemm, args, index, work, -1, bPacked);
      }
      Atomics.store(ctrl, slot, tag | DONE);
      Atomics.notify(ctrl, slot);
      Atomics.add(ctrl, WORKER_CHUNKS, 1);
      if (bPacked !== 0) Atomics.add(ctrl, WORKER_PACKED_CHUNKS, 1);
    }
  }
}

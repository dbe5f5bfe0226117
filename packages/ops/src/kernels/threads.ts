import { TensorgradError } from '@tensorgrad/core';
import { runChunk as runChunkTyped } from './chunk-loop.js';
import { ARGS, B_PACKED, COMPUTING, COPIED, DONE, FREE, JOB, JOB_ARGS, NEXT, PENDING, PUBLISHING, READY, STATE, TAKEN, WORKER_CHUNKS, WORKER_PACKED_CHUNKS } from './protocol.js';
import { CTRL_BYTES, WORKER_C, WORKER_C_BYTES, WORK_BASE, align, gemmWorkBytes, nodeProcess, state, tileParams, type GemmExport, type WasmState } from './wasm-module.js';

/**
 * The second thread: one worker instantiates the same module over the same shared memory, and both
 * threads claim chunks of C from a shared counter; each packs its own blocks into its own scratch area.
 * The worker computes its chunk into a tile of its own and the main thread takes the chunk over when
 * the worker is descheduled. The worker blocks in Atomics.wait between jobs; if it cannot start, the
 * kernel stays on one thread. Whether a product uses it is thread-choice.ts's decision.
 *
 * In Node the worker is a worker_thread (process.getBuiltinModule, Node >= 20.16), unref'd so that it
 * never keeps the process alive. In a browser it is a module Web Worker (web-worker.ts), which needs a
 * cross-origin isolated page (COOP: same-origin, COEP: require-corp): only there is the memory shared.
 * A page's main thread may not block in Atomics.wait, so there this thread spins while it waits for the
 * worker's chunk (a wait bounded by the take-over deadline below); a Web Worker running tensorgrad may.
 */

/**
 * Chunks of C are at least this many rows (columns) long: a chunk packs the whole other operand (unless
 * B is packed once for all chunks, see PREPACK_MIN_CHUNKS), a cost that shorter chunks pay more often
 * (linear's forward, B = W1ᵀ read transposed, is where it shows; KERNELS.md, Measured). Not
 * longer: while the worker is descheduled, this thread waits for the chunk it holds, so chunks much
 * longer than that make a busy core cost more.
 */
const MIN_CHUNK = 48;
/** About one chunk per this many multiply-adds (finer chunks balance better when a core is busy). */
const CHUNK_WORK = 4 << 20;
/**
 * A job cut along m into at least this many chunks packs all of B once (see runTwoThreads). With fewer,
 * the packing pass costs this thread more than the chunks save (linear's forward, 4 chunks, B = W1ᵀ:
 * the pass writes all of B's packing, which the chunks then read back, where a chunk packing a block
 * itself writes it into its own scratch, in L2); with 6 or more (n = 512 cut into 8 chunks of 64 rows)
 * packing once is faster. KERNELS.md, Measured, has the figures.
 */
export const PREPACK_MIN_CHUNKS = 6;

interface WorkerLike {
  unref(): void;
  on(event: 'error' | 'exit', listener: (...args: unknown[]) => void): unknown;
}
interface WorkerThreadsModule {
  Worker: new (code: string, options: { eval: true; workerData: unknown }) => WorkerLike;
}

/**
 * Chunk `index` of a job: rows [index·size, ...) of C when splitting along m, columns when along n. Each
 * chunk is an independent gemm call (it packs its own blocks into the caller's scratch area, except B
 * when `bPacked` says where all of B is packed already: along m, every chunk multiplies by all of B),
 * computed into C itself (tile < 0) or into a tile at byte address `tile` whose rows are the chunk's width.
 * moveChunk copies the chunk's part of C into the tile (before accumulating) or back. Written once as a
 * string so the worker runs exactly the code the main thread runs.
 */
const RUN_CHUNK = `function runChunk(gemm, g, index, work, tile, bPacked) {
  const m = g[0], n = g[1], k = g[2], aRs = g[4], aCs = g[5], bRs = g[7], bCs = g[8], size = g[12];
  if (g[11] === 1) {
    const i0 = index * size, rows = Math.min(size, m - i0);
    gemm(rows, n, k, g[3] + 8 * i0 * aRs, aRs, aCs, g[6], bRs, bCs, tile < 0 ? g[9] + 8 * i0 * n : tile, n, g[10], work, bPacked);
  } else {
    const j0 = index * size, cols = Math.min(size, n - j0);
    gemm(m, cols, k, g[3], aRs, aCs, g[6] + 8 * j0 * bCs, bRs, bCs, tile < 0 ? g[9] + 8 * j0 : tile, tile < 0 ? n : cols, g[10], work, 0);
  }
}
function moveChunk(f64, g, index, tile, intoTile) {
  const m = g[0], n = g[1], size = g[12], c = g[9] / 8, t = tile / 8;
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
}`;
type RunChunk = (gemm: GemmExport, args: ArrayLike<number>, index: number, work: number, tile: number, bPacked: number) => void;
/** The main thread's copy of RUN_CHUNK, compiled when the worker starts (never where threads are not used). */
let runChunk: RunChunk | null = null;

// Plain JavaScript run with `eval`: works the same from the TS sources (tsx, vitest) and from dist.
// Protocol: wait for JOB to change; read the job's arguments and check the job is still open (the main
// thread writes the next job's arguments only after closing this one); then, while the job is open,
// claim a chunk number and its slot (FREE -> COMPUTING). When the job allows taking over (args[14]), the
// chunk is computed into the worker's own tile and copied into C only if the slot is still COMPUTING
// (-> PUBLISHING): the main thread may have taken it over meanwhile, and then the tile is dropped. So the
// worker writes into C only while the main thread waits for it, never after the main thread returned.
// A chunk uses the shared packing of B (args[15]) if B_PACKED says it is complete for this job when the
// chunk starts, else it packs B itself: the worker never waits for the main thread's packing. (A chunk
// taken over may go on reading operands or packing the next job overwrites: its tile is dropped.)
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, work, tile } = workerData;
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
const ctrl = new Int32Array(memory.buffer, 0, ${CTRL_BYTES / 4});
const args = new Int32Array(${JOB_ARGS});
let f64 = new Float64Array(memory.buffer);
${RUN_CHUNK}
Atomics.store(ctrl, ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${JOB}, seen);
  let job = Atomics.load(ctrl, ${JOB});
  if (job === ${PENDING}) {
    // Woken ahead of a job (waking a sleeping core takes a fraction of a millisecond): spin for it.
    const until = Date.now() + 20;
    while ((job = Atomics.load(ctrl, ${JOB})) === ${PENDING} && Date.now() < until);
  }
  seen = job;
  if (job <= 0 || job === ${PENDING}) continue;
  args.set(ctrl.subarray(${ARGS}, ${ARGS + JOB_ARGS}));
  if (Atomics.load(ctrl, ${JOB}) !== job) continue;
  if (f64.buffer.byteLength !== memory.buffer.byteLength) f64 = new Float64Array(memory.buffer);
  const tag = (job & 0xffffff) << 3, ownTile = args[14] === 1;
  while (Atomics.load(ctrl, ${JOB}) === job) {
    const index = Atomics.add(ctrl, ${NEXT}, 1);
    if (index >= args[13]) break;
    while (Atomics.load(ctrl, ${COPIED}) <= index && Atomics.load(ctrl, ${JOB}) === job);
    const slot = ${STATE} + index;
    if (Atomics.load(ctrl, ${JOB}) !== job) break;
    if (Atomics.compareExchange(ctrl, slot, tag | ${FREE}, tag | ${COMPUTING}) !== (tag | ${FREE})) continue;
    const bPacked = args[15] !== 0 && Atomics.load(ctrl, ${B_PACKED}) === job ? args[15] : 0;
    if (ownTile) {
      if (args[10] === 1) moveChunk(f64, args, index, tile, true);
      runChunk(gemm, args, index, work, tile, bPacked);
      if (Atomics.compareExchange(ctrl, slot, tag | ${COMPUTING}, tag | ${PUBLISHING}) !== (tag | ${COMPUTING})) continue;
      moveChunk(f64, args, index, tile, false);
    } else {
      runChunk(gemm, args, index, work, -1, bPacked);
    }
    Atomics.store(ctrl, slot, tag | ${DONE});
    Atomics.notify(ctrl, slot);
    Atomics.add(ctrl, ${WORKER_CHUNKS}, 1);
    if (bPacked !== 0) Atomics.add(ctrl, ${WORKER_PACKED_CHUNKS}, 1);
  }
}
`;

/** 'idle' until a product first asks for threads; 'failed' if a worker could not be started or died. */
let workerStatus: 'idle' | 'starting' | 'failed' = 'idle';
let jobSeq = 0;
/** Chunks the main thread has taken over from the worker. */
let takenOver = 0;

export const now = (): number => performance.now();

/** Whether no product has asked for the worker yet (the kernel starts it ahead of the first that can use it). */
export function workerIdle(): boolean {
  return workerStatus === 'idle';
}

/** True when the worker is up; starts it (asynchronously: this call never waits) on first use. */
export function workerReady(s: WasmState): boolean {
  if (s.ctrl === null || workerStatus === 'failed') return false;
  if (workerStatus === 'idle') {
    workerStatus = 'starting';
    const fail = (): void => {
      workerStatus = 'failed';
    };
    try {
      const wt = nodeProcess?.getBuiltinModule?.('node:worker_threads') as WorkerThreadsModule | undefined;
      if (wt !== undefined) {
        runChunk = new Function(`${RUN_CHUNK}; return runChunk;`)() as RunChunk;
        const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module: s.module, memory: s.memory, work: WORK_BASE + gemmWorkBytes, tile: WORKER_C } });
        worker.unref(); // an idle kernel thread must not keep the process alive
        worker.on('error', fail);
        worker.on('exit', fail);
        workerKind = 'worker_threads';
      } else {
        startWebWorker(s, fail);
      }
    } catch {
      fail();
      return false;
    }
  }
  return Atomics.load(s.ctrl, READY) === 1 && workerStatus === 'starting';
}

interface WebWorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'error' | 'messageerror', listener: () => void): void;
}
type WebWorkerConstructor = new (url: URL, options: { type: 'module'; name?: string }) => WebWorkerLike;

/**
 * The browser's second thread. `Worker` is the page's; the URL form is the one bundlers turn into a
 * worker chunk of their own. The main thread runs the typed copy of runChunk (no code from strings, so
 * a strict Content-Security-Policy is fine, given 'wasm-unsafe-eval' for the module itself).
 */
function startWebWorker(s: WasmState, fail: () => void): void {
  const Worker = (globalThis as { Worker?: WebWorkerConstructor }).Worker;
  if (Worker === undefined) throw new Error('no worker here');
  canBlock = mayBlock();
  runChunk = runChunkTyped;
  const worker = new Worker(new URL('./web-worker.js', import.meta.url), { type: 'module', name: 'tensorgrad kernel' });
  worker.addEventListener('error', fail);
  worker.addEventListener('messageerror', fail);
  worker.postMessage({ module: s.module, memory: s.memory, work: WORK_BASE + gemmWorkBytes, tile: WORKER_C });
  webWorker = worker; // held, so that the worker lives as long as the page
  workerKind = 'web worker';
}

let webWorker: WebWorkerLike | null = null;
/** Which kind of worker was started, for wasmKernelInfo. */
let workerKind: 'worker_threads' | 'web worker' | null = null;

/** The kind of the second thread, once one was started ('worker_threads' in Node, 'web worker' in a browser). */
export function workerType(): 'worker_threads' | 'web worker' | null {
  return workerKind;
}

/**
 * Whether this thread may block in Atomics.wait: not a page's main thread (where it throws), yes in
 * Node and in any worker.
 */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
let canBlock = true;

/** Waits until slot `index` no longer holds `value`, for at most `ms`: blocking where allowed, else spinning. */
function waitWhile(ctrl: Int32Array, index: number, value: number, ms: number): void {
  if (canBlock) {
    Atomics.wait(ctrl, index, value, ms);
    return;
  }
  const until = now() + ms;
  while (Atomics.load(ctrl, index) === value && now() < until);
}

/** Wakes the worker ahead of a job: it comes up while this thread copies the operands in. */
export function wakeWorker(s: WasmState): void {
  Atomics.store(s.ctrl!, JOB, PENDING);
  Atomics.notify(s.ctrl!, JOB);
}

/**
 * The operand that is cut into chunks (A's rows when splitting along m, B's columns along n): element
 * (d, q) of it, d along the split, is src[off + d*ds + q*os] for q < len, stored at base + 8*(index - lo).
 */
export interface Split {
  src: Float64Array;
  off: number;
  lo: number;
  hi: number;
  base: number;
  ds: number;
  os: number;
  len: number;
  /** False when the operand is already in place (resident). */
  copy: boolean;
}

/**
 * Whether each chunk of the split operand has storage of its own, so that chunks can be copied one by
 * one: contiguous runs along the other axis (a row-major operand) or along the split (a transposed one).
 */
function chunkable(sp: Split, extent: number): boolean {
  return sp.ds > 0 && sp.os > 0 && ((sp.os === 1 && sp.ds >= sp.len) || (sp.ds === 1 && sp.os >= extent));
}

/** Copies the storage of chunk [d0, d1) of a chunkable split operand. */
function copyChunk(f64: Float64Array, sp: Split, d0: number, d1: number): void {
  const { src, off, lo, base, ds, os, len } = sp;
  const at = base / 8 - lo;
  if (os === 1) {
    const from = off + d0 * ds;
    f64.set(src.subarray(from, off + (d1 - 1) * ds + len), at + from);
  } else {
    for (let q = 0, from = off + d0; q < len; q++, from += os) f64.set(src.subarray(from, from + d1 - d0), at + from);
  }
}

/**
 * How C is cut along its side of length `long`: about one chunk per CHUNK_WORK multiply-adds, 2 to 8 of
 * them, none shorter than MIN_CHUNK, an even count so that two threads that run at the same pace finish
 * together, and whole register tiles (`tile` rows or columns) each.
 */
export function chunking(long: number, work: number, tile: number): { size: number; chunks: number } {
  let target = Math.min(8, Math.max(2, Math.round(work / CHUNK_WORK)));
  target = Math.max(2, Math.min(target, Math.floor(long / MIN_CHUNK)));
  if (target % 2 === 1) target--;
  const size = align(Math.ceil(long / target), tile);
  return { size, chunks: Math.ceil(long / size) }; // chunks <= target <= 8 <= MAX_CHUNKS
}

/**
 * Cuts C into chunks along its longer side and computes them on this thread and the worker, each
 * claiming the next chunk from a shared counter. Claiming (rather than a fixed half each) keeps the
 * product going at one-thread speed when the other core is busy with someone else's work: this thread
 * then simply takes more chunks.
 */
export function runTwoThreads(
  s: WasmState,
  alongM: boolean,
  split: Split,
  m: number, n: number, k: number,
  aPtr: number, aRs: number, aCs: number,
  bPtr: number, bRs: number, bCs: number,
  cPtr: number, acc: number,
  bPacked: number,
  takeOverAfter: number,
  /** Where to copy C out to, or null when C is computed in place (kernelStorage). */
  c: Float64Array | null,
  cOff: number,
): void {
  const ctrl = s.ctrl!;
  const long = alongM ? m : n;
  const { size, chunks } = chunking(long, m * n * k, alongM ? tileParams.mr : tileParams.nr);
  // Whether a chunk's C fits the worker's tile, so that the worker's chunk can be taken over.
  const ownTile = 8 * size * (alongM ? n : m) <= WORKER_C_BYTES;
  const chunked = split.copy && chunkable(split, long);
  if (split.copy && !chunked) s.f64.set(split.src.subarray(split.lo, split.hi), split.base / 8);
  const args = [m, n, k, aPtr, aRs, aCs, bPtr, bRs, bCs, cPtr, acc, alongM ? 1 : 0, size, chunks, ownTile ? 1 : 0, bPacked];
  for (let i = 0; i < JOB_ARGS; i++) ctrl[ARGS + i] = args[i]!;
  const job = (jobSeq = (jobSeq % 0xffffff) + 1);
  const tag = job << 3;
  for (let i = 0; i < chunks; i++) ctrl[STATE + i] = tag | FREE;
  Atomics.store(ctrl, NEXT, 0);
  Atomics.store(ctrl, COPIED, chunked ? 0 : chunks);
  Atomics.store(ctrl, JOB, job);
  Atomics.notify(ctrl, JOB);
  if (chunked) {
    for (let c = 0; c < chunks; c++) {
      copyChunk(s.f64, split, c * size, Math.min(long, (c + 1) * size));
      Atomics.store(ctrl, COPIED, c + 1);
    }
  }
  // Along m every chunk multiplies by all of B: in a job of PREPACK_MIN_CHUNKS or more chunks this
  // thread packs it once, while the worker computes its first chunk (packing B itself, as it does for
  // any chunk it starts before B_PACKED is set), and every chunk started afterwards reads the shared
  // packing. Without it each chunk packs all of B again.
  if (bPacked !== 0) {
    s.packB(k, n, bPtr, bRs, bCs, bPacked);
    Atomics.store(ctrl, B_PACKED, job);
  }
  const computeFrom = now();
  let mine = 0;
  for (;;) {
    const index = Atomics.add(ctrl, NEXT, 1);
    if (index >= chunks) break;
    if (Atomics.compareExchange(ctrl, STATE + index, tag | FREE, tag | TAKEN) !== (tag | FREE)) continue;
    runChunk!(s.gemm, args, index, WORK_BASE, -1, bPacked);
    ctrl[STATE + index] = tag | DONE;
    mine++;
  }
  // Close the job (the worker claims no more), then see every chunk done. The worker's chunk in progress
  // is waited for up to 1.5 times this thread's own time per chunk (the worker started it before this
  // thread ran out of chunks, so at an equal pace it is done by then); past that the worker is taken to
  // be descheduled (another process has its core) and this thread computes the chunk itself, rather
  // than idle until the scheduler gives the worker its core back, which can take milliseconds.
  Atomics.store(ctrl, JOB, -job);
  const endFrom = now();
  const pace = mine > 0 ? (endFrom - computeFrom) / mine : (m * n * k) / chunks / 1e7; // else assume 1e7 multiply-adds per ms
  const deadline = ownTile ? endFrom + takeOverAfter * pace : Infinity;
  const started = Date.now();
  // Each chunk of C is copied out as soon as it is done and this thread has nothing else to do: while it
  // waits for the worker's last chunk, it copies out the others (for dW1 = dyᵀ·x, 2.4 MB, a copy that
  // used to follow that wait).
  // With C in place there is nothing to copy: every chunk counts as copied out.
  const copiedOut = new Uint8Array(chunks).fill(c === null ? 1 : 0);
  const copyOut = (i: number): void => {
    copiedOut[i] = 1;
    if (c === null) return;
    const f64 = s.f64;
    if (alongM) {
      const from = i * size * n;
      const len = Math.min(size, m - i * size) * n;
      c.set(f64.subarray(cPtr / 8 + from, cPtr / 8 + from + len), cOff + from);
    } else {
      const j0 = i * size;
      const cols = Math.min(size, n - j0);
      for (let r = 0, at = cPtr / 8 + j0; r < m; r++, at += n) c.set(f64.subarray(at, at + cols), cOff + r * n + j0);
    }
  };
  for (let i = 0; i < chunks; i++) {
    for (;;) {
      const st = Atomics.load(ctrl, STATE + i);
      const phase = st & 7;
      if (phase === DONE) break;
      if (phase === FREE || (phase === COMPUTING && now() >= deadline)) {
        if (Atomics.compareExchange(ctrl, STATE + i, st, tag | TAKEN) === st) {
          if (phase === COMPUTING) takenOver++;
          runChunk!(s.gemm, args, i, WORK_BASE, -1, bPacked);
          ctrl[STATE + i] = tag | DONE;
          break;
        }
        continue;
      }
      // COMPUTING before the deadline, or PUBLISHING (a short copy): copy out a chunk that is done, or
      // sleep until the worker's notify.
      let copied = false;
      for (let j = 0; j < chunks && !copied; j++) {
        if (j !== i && copiedOut[j] === 0 && (Atomics.load(ctrl, STATE + j) & 7) === DONE) {
          copyOut(j);
          copied = true;
        }
      }
      if (copied) continue;
      waitWhile(ctrl, STATE + i, st, phase === COMPUTING ? Math.min(50, Math.max(0.05, deadline - now())) : 50);
      if (Date.now() - started > 120_000) {
        workerStatus = 'failed';
        throw new TensorgradError('matmul', 'the wasm kernel worker thread stopped answering');
      }
    }
  }
  for (let i = 0; i < chunks; i++) if (copiedOut[i] === 0) copyOut(i);
}

/** How many chunks the main thread has taken over from the worker (tests use it). */
export function wasmTakenOver(): number {
  return takenOver;
}

/** How many chunks the worker thread has computed so far (tests use it to see that it takes part). */
export function wasmWorkerChunks(): number {
  return state?.ctrl ? Atomics.load(state.ctrl, WORKER_CHUNKS) : 0;
}

/** How many of those chunks read B from the main thread's packing rather than packing it (tests). */
export function wasmWorkerPackedChunks(): number {
  return state?.ctrl ? Atomics.load(state.ctrl, WORKER_PACKED_CHUNKS) : 0;
}

/** Whether a second thread is running (started lazily by the first large product). */
export function wasmThreadsActive(): boolean {
  return state !== null && state.ctrl !== null && workerStatus === 'starting' && Atomics.load(state.ctrl, READY) === 1;
}

/**
 * What the worker is doing, for wasmKernelInfo: 'unavailable' (no shared memory, or it failed), 'not
 * started' before the first product large enough to start it, 'starting' while it comes up, else 'up'.
 */
export function workerPhase(): 'unavailable' | 'not started' | 'starting' | 'up' {
  if (state === null || state.ctrl === null || workerStatus === 'failed') return 'unavailable';
  if (workerStatus === 'idle') return 'not started';
  return wasmThreadsActive() ? 'up' : 'starting';
}

import type { GemmHints, GemmKernel } from './backend.js';
import { TensorgradError } from '@tensorgrad/core';
import { adamLoop, axpyLoop, sgdLoop, tsGemm, type AdamCoefficients, type SgdCoefficients } from './gemm-ts.js';
import { resultStorage, scratchArea, scratchGeneration } from './arena.js';
import {
  CTRL_BYTES,
  WORKER_C,
  WORKER_C_BYTES,
  WORK_BASE,
  addressOf,
  align,
  gemmWorkBytes,
  nodeProcess,
  state,
  tileParams,
  wasmAvailable,
  wasmFma,
  inKernelMemory,
  type GemmExport,
  type WasmState,
} from './wasm-module.js';

export { wasmAvailable, wasmFma, inKernelMemory };
export { kernelStorage, kernelArena, releaseKernelStorage, setKernelArenaLimit } from './arena.js';

/**
 * The WebAssembly SIMD (f64x2) gemm of wasm-module.ts, and an optional second thread.
 *
 * Operands and C that live in the kernel's memory (arena.ts) are read and written in place. Any other
 * operand is copied into the kernel's scratch: the range of storage it spans in one memcpy when that
 * range is about what the product reads (a transposed view is copied as the storage it views, never
 * transposed), else only the elements it reads, gathered (a strided slice of a larger tensor). An
 * operand named by a token (GemmHints: linear's x, read by its forward and again by its backward)
 * stays in the scratch between calls and is copied once. A C elsewhere is computed in the scratch and
 * copied out; a product's result the kernel allocates itself (`allocate`) lives in the arena.
 *
 * With two threads, one worker_thread instantiates the same module over the same shared memory, and
 * both threads claim chunks of C from a shared counter; each packs its own blocks into its own scratch
 * area. The worker computes its chunk into a tile of its own and the main thread takes the chunk over
 * when the worker is descheduled. The default kernel chooses one or two threads per shape from the
 * times it measures. The worker is unref'd and blocks in Atomics.wait between jobs; if it cannot start,
 * the kernel stays on one thread. Needs process.getBuiltinModule (Node >= 20.16) for worker_threads and for the
 * V8 flag that enables relaxed SIMD on Node 20; without it: plain SIMD, one thread.
 */

/**
 * Chunks of C are at least this many rows (columns) long: a chunk packs the whole other operand (unless
 * B is packed once for all chunks, see PREPACK_MIN_CHUNKS), which for linear's forward (B = W1ᵀ,
 * 3072×100, read transposed) cost 10% at 36-row chunks and 5% at 54 (one thread, measured). Not
 * longer: while the worker is descheduled, this thread waits for the chunk it holds, so chunks much
 * longer than that make a busy core cost more.
 */
const MIN_CHUNK = 48;
/** About one chunk per this many multiply-adds (finer chunks balance better when a core is busy). */
const CHUNK_WORK = 4 << 20;
/**
 * A job cut along m into at least this many chunks packs all of B once (see runTwoThreads). With fewer,
 * the packing pass costs this thread more than the chunks save: with it, linear's forward (4 chunks,
 * B = W1ᵀ) measured 3-7% slower and the training step 3% (the pass writes 2.4 MB that the chunks then
 * read back, where a chunk packing a block itself writes it into its own scratch, in L2). At n = 512
 * (8 chunks of 64 rows) it measured 9% faster (38.6 → 42.1 GFLOP/s), at n = 1024 5%.
 */
const PREPACK_MIN_CHUNKS = 6;

/**
 * The resident operand (see GemmHints), at the start of the scratch block; the other operands and C
 * follow it. Only operands of at least MIN_RESIDENT elements are kept: smaller ones are cheap to copy,
 * and must not evict the large one between its two uses (a step's second layer runs between x's two
 * products). `key` says which elements of `src` it holds, in which layout.
 */
const MIN_RESIDENT = 1 << 16;
// The storage is held weakly: the kernel must not keep a large array of the caller's alive.
const resident: { token: object | undefined; src: WeakRef<Float64Array> | null; key: string; bytes: number; generation: number } = {
  token: undefined,
  src: null,
  key: '',
  /** Bytes reserved for it at the start of the scratch. */
  bytes: 0,
  /** The scratch block's generation when it was filled (a moved scratch holds nothing). */
  generation: -1,
};

// Control block slots (Int32Array over bytes [0, CTRL_BYTES)).
const JOB = 0; // sequence number of the open job; its negative once the job is closed to newcomers
const NEXT = 1; // next chunk to claim (Atomics.add)
const READY = 3; // 1 once the worker has instantiated the module
const WORKER_CHUNKS = 24; // chunks the worker has computed (for tests)
const COPIED = 25; // chunks whose operand storage has been copied in (the worker waits for its chunk's)
const B_PACKED = 26; // the job's number once all of B is packed at args[15] (see runTwoThreads)
const WORKER_PACKED_CHUNKS = 27; // chunks the worker has computed from the shared packing of B (for tests)
/**
 * One slot per chunk, from STATE: the job's tag (its sequence number, shifted) | the chunk's phase.
 * Tagging by job means a worker still busy with a chunk of an earlier job can never claim or finish a
 * chunk of the current one. The phases change by compareExchange only.
 */
const STATE = 32;
const MAX_CHUNKS = 32;
const FREE = 0; // not claimed yet
const COMPUTING = 1; // the worker computes it (into its own tile when the job allows taking over)
const PUBLISHING = 2; // the worker copies its tile into C
const DONE = 3;
const TAKEN = 4; // the main thread computes it (it was free, or the worker held it too long)
/** JOB value meaning "a job is coming": wakes the worker early, to spin until the job is posted. */
const PENDING = 0x7fffffff;
const ARGS = 4; // JOB_ARGS job arguments (see runChunk)
const JOB_ARGS = 16;

// ---------------------------------------------------------------------------------------------------
// Second thread

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

/** True when the worker is up; starts it (asynchronously: this call never waits) on first use. */
function workerReady(s: WasmState): boolean {
  if (s.ctrl === null || workerStatus === 'failed') return false;
  if (workerStatus === 'idle') {
    workerStatus = 'starting';
    try {
      const wt = nodeProcess?.getBuiltinModule?.('node:worker_threads') as WorkerThreadsModule | undefined;
      if (wt === undefined) throw new Error('worker_threads unavailable');
      runChunk = new Function(`${RUN_CHUNK}; return runChunk;`)() as RunChunk;
      const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module: s.module, memory: s.memory, work: WORK_BASE + gemmWorkBytes, tile: WORKER_C } });
      worker.unref(); // an idle kernel thread must not keep the process alive
      const fail = () => {
        workerStatus = 'failed';
      };
      worker.on('error', fail);
      worker.on('exit', fail);
    } catch {
      workerStatus = 'failed';
      return false;
    }
  }
  return Atomics.load(s.ctrl, READY) === 1 && workerStatus === 'starting';
}

// ---------------------------------------------------------------------------------------------------
// The kernel

export interface WasmGemmOptions {
  /** Use the second thread for products of at least this many multiply-adds (Infinity: never). */
  threadMinWork?: number;
  /** Products of fewer multiply-adds go to the TypeScript kernel (the copies would dominate). */
  minWork?: number;
  /** Choose one or two threads per shape from measured times (default true). */
  adaptive?: boolean;
  /**
   * How long (in this thread's own times per chunk) to wait for the worker's chunk in progress before
   * computing it here (default 1.5). Tests set 0 to exercise the take-over.
   */
  takeOverAfter?: number;
  name?: string;
}

/** Multiply-adds above which two threads beat one here (measured: wasm/bench-gemm.ts). */
export const DEFAULT_THREAD_MIN_WORK = 1 << 23;
const DEFAULT_MIN_WORK = 8 * 8 * 8;

/** Range [lo, hi) of storage indices an m×k operand with these strides touches from `off`. */
function spanOf(off: number, rows: number, cols: number, rs: number, cs: number): [number, number] {
  let lo = off;
  let hi = off;
  const r = (rows - 1) * rs;
  const c = (cols - 1) * cs;
  if (r < 0) lo += r;
  else hi += r;
  if (c < 0) lo += c;
  else hi += c;
  return [lo, hi + 1];
}

/**
 * How an operand not read in place enters the scratch. Its span (the storage range it touches) is
 * copied as it is when that is at most about twice what it reads; otherwise (a strided slice of a
 * larger tensor, a column block of a wide one) only the elements it reads are gathered, row-major, or
 * column-major when its columns are the contiguous direction (a transposed view).
 */
interface OperandPlan {
  src: Float64Array;
  lo: number;
  hi: number;
  /** Byte address of src[0] when the operand is read in place, else -1. */
  at: number;
  gather: boolean;
  /** Scratch words it takes when copied. */
  words: number;
  /** Which elements, in which layout: equal keys mean equal scratch contents (for the resident operand). */
  key: string;
  /** Address and strides the product reads it through, once it is at `base` (its place, or the scratch). */
  pointer(base: number): [number, number, number];
  copyInto(f64: Float64Array, base: number): void;
}

function planOperand(src: Float64Array, off: number, rows: number, cols: number, rs: number, cs: number, cAt: number, cWords: number): OperandPlan {
  const [lo, hi] = spanOf(off, rows, cols, rs, cs);
  const own = addressOf(src);
  // In place unless it overlaps a C that is written in place.
  const at = own >= 0 && (cAt < 0 || own + 8 * hi <= cAt || own + 8 * lo >= cAt + 8 * cWords) ? own : -1;
  const elements = rows * cols;
  const gather = at < 0 && hi - lo > 2 * elements + 1024;
  const columnMajor = gather && Math.abs(rs) < Math.abs(cs);
  return {
    src,
    lo,
    hi,
    at,
    gather,
    words: gather ? elements : hi - lo,
    key: `${lo},${hi},${rows},${cols},${rs},${cs}`,
    pointer(base) {
      if (at >= 0) return [at + 8 * off, rs, cs];
      if (!gather) return [base + 8 * (off - lo), rs, cs];
      return columnMajor ? [base, 1, rows] : [base, cols, 1];
    },
    copyInto(f64, base) {
      const to = base / 8;
      if (!gather) f64.set(src.subarray(lo, hi), to);
      else if (columnMajor) gatherInto(f64, to, src, off, cols, rows, cs, rs);
      else gatherInto(f64, to, src, off, rows, cols, rs, cs);
    },
  };
}

/** Writes the `rows`×`cols` elements src[off + i·rs + j·cs] row by row from f64[to]. */
function gatherInto(f64: Float64Array, to: number, src: Float64Array, off: number, rows: number, cols: number, rs: number, cs: number): void {
  if (cs === 1) {
    for (let i = 0, from = off; i < rows; i++, from += rs, to += cols) f64.set(src.subarray(from, from + cols), to);
    return;
  }
  for (let i = 0; i < rows; i++) {
    for (let j = 0, from = off + i * rs; j < cols; j++, from += cs) f64[to++] = src[from]!;
  }
}

export function createWasmGemm(options: WasmGemmOptions = {}): GemmKernel {
  const threadMinWork = options.threadMinWork ?? DEFAULT_THREAD_MIN_WORK;
  const minWork = options.minWork ?? DEFAULT_MIN_WORK;
  const name = options.name ?? 'wasm';
  const adaptive = options.adaptive ?? true;
  const takeOverAfter = options.takeOverAfter ?? 1.5;
  // Each kernel keeps its own records: a kernel forced onto two threads (benchmarks, tests) that loses
  // on small products must not switch threads off for the default kernel.
  const chooser: Chooser = { shapes: new Map(), lastTwo: true };
  if (adaptive && Number.isFinite(threadMinWork)) adaptiveKernels.push(chooser);
  return {
    name,
    gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate, hints?: GemmHints) {
      const s = state;
      if (s === null || m * n * k < minWork) {
        tsGemm.gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate);
        return;
      }
      if (m === 0 || n === 0) return;
      if (k === 0) {
        if (!accumulate) c.fill(0, cOff, cOff + m * n);
        return;
      }
      // Operands in the kernel's memory (kernelStorage) are read where they are, and C there is written
      // in place; an operand that overlaps such a C is copied into scratch first (the product, on either
      // thread, would otherwise read values it had already written).
      const cIn = addressOf(c);
      const cAt = cIn >= 0 ? cIn + 8 * cOff : -1;
      const A = planOperand(a, aOff, m, k, aRs, aCs, cAt, m * n);
      const B = planOperand(b, bOff, k, n, bRs, bCs, cAt, m * n);
      // An operand named by a token stays in the resident area (see GemmHints): the next call with the
      // same token over the same storage finds it there and copies nothing.
      const aToken = A.at < 0 && hints?.aToken !== undefined && A.words >= MIN_RESIDENT ? hints.aToken : undefined;
      const bToken = aToken === undefined && B.at < 0 && hints?.bToken !== undefined && B.words >= MIN_RESIDENT ? hints.bToken : undefined;
      const token = aToken ?? bToken;
      const tokenPlan = aToken !== undefined ? A : B;
      const work = m * n * k;
      // A product that may be cut along m into enough chunks on two threads packs all of B once, into
      // an area after C (runTwoThreads).
      const prepack = m >= n && work >= threadMinWork && chunking(m, work, tileParams.mr).chunks >= PREPACK_MIN_CHUNKS;
      // The scratch: the resident area, the operands copied in, C (unless in place), packed B. Sized
      // first, then placed (the block moves only if it must grow; then nothing is resident any more).
      const generation = scratchGeneration();
      const kept = resident.token !== undefined && resident.generation === generation ? resident.bytes : 0;
      const sizes = (keep: number, packed: boolean): { residentBytes: number; total: number } => {
        const residentBytes = token !== undefined ? Math.max(keep, align(8 * tokenPlan.words, 64)) : keep;
        const copied = (p: OperandPlan, t: object | undefined): number => (p.at >= 0 || t !== undefined ? 0 : align(8 * p.words, 64));
        const cBytes = cAt >= 0 ? 0 : align(8 * m * n, 64);
        const packedBytes = packed ? 8 * k * align(n, tileParams.nr) : 0;
        return { residentBytes, total: residentBytes + copied(A, aToken) + copied(B, bToken) + cBytes + packedBytes + 64 };
      };
      let roomToPack = prepack;
      let base = scratchArea(sizes(kept, roomToPack).total);
      if (base < 0 && roomToPack) {
        roomToPack = false;
        base = scratchArea(sizes(kept, false).total);
      }
      if (base < 0) {
        tsGemm.gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate);
        return;
      }
      const moved = scratchGeneration() !== generation;
      const { residentBytes } = sizes(moved ? 0 : kept, roomToPack);
      const hit =
        !moved &&
        token !== undefined &&
        resident.token === token &&
        resident.src?.deref() === tokenPlan.src &&
        resident.key === tokenPlan.key;
      if (moved || (token !== undefined && !hit)) {
        // The new resident operand replaces the old one (one slot: the largest operand of a step).
        resident.token = undefined;
        resident.generation = scratchGeneration();
        resident.bytes = residentBytes;
      }
      const free = base + residentBytes;
      const aBase = A.at >= 0 ? A.at : aToken !== undefined ? base : free;
      const aEnd = A.at >= 0 || aToken !== undefined ? free : align(aBase + 8 * A.words, 64);
      const bBase = B.at >= 0 ? B.at : bToken !== undefined ? base : aEnd;
      const bEnd = B.at >= 0 || bToken !== undefined ? aEnd : align(bBase + 8 * B.words, 64);
      const cBase = cAt >= 0 ? cAt : bEnd;
      const cEnd = cAt >= 0 ? bEnd : align(cBase + 8 * m * n, 64);
      const packedB = roomToPack ? cEnd : 0;
      const f64 = s.f64;
      // Which operands still need copying in (false: in the kernel's memory, or resident from an earlier call).
      const copyA = A.at < 0 && (aToken === undefined || !hit);
      const copyB = B.at < 0 && (bToken === undefined || !hit);
      if (accumulate && cAt < 0) f64.set(c.subarray(cOff, cOff + m * n), cBase / 8);
      const [aPtr, aRs2, aCs2] = A.pointer(aBase);
      const [bPtr, bRs2, bCs2] = B.pointer(bBase);
      const acc = accumulate ? 1 : 0;
      // Start the worker a little before the first product that can use it: it takes tens of
      // milliseconds to come up, and a short run should not spend them all on one thread.
      if (work >= threadMinWork / 16 && workerStatus === 'idle') workerReady(s);
      let record: ShapeRecord | null = null;
      let two = work >= threadMinWork && Math.max(m, n) >= 2 * tileParams.mr && workerReady(s);
      if (two && adaptive) {
        record = recordFor(chooser, `${m},${n},${k},${aRs2},${aCs2},${bRs2},${bCs2}`);
        two = chooser.lastTwo = chooseTwo(record);
      }
      const began = record === null ? 0 : now();
      if (two) {
        // The operand cut into chunks is copied chunk by chunk after the job is posted, so the worker
        // starts on chunk 0 while the rest is still being copied.
        // Wake the worker now: it comes up while this thread copies.
        Atomics.store(s.ctrl!, JOB, PENDING);
        Atomics.notify(s.ctrl!, JOB);
        const alongM = m >= n;
        // The other operand is copied whole; so is the split one when it overlaps C (in the kernel
        // memory: chunk by chunk, a later chunk would be copied after a chunk of C written over it) or
        // is gathered.
        const splitWhole = alongM ? A.gather || (cAt >= 0 && copyA && addressOf(a) >= 0) : B.gather || (cAt >= 0 && copyB && addressOf(b) >= 0);
        if ((alongM || splitWhole) && copyB) B.copyInto(f64, bBase);
        if ((!alongM || splitWhole) && copyA) A.copyInto(f64, aBase);
        const split: Split = alongM
          ? { src: a, off: aOff, lo: A.lo, hi: A.hi, base: aBase, ds: aRs, os: aCs, len: k, copy: copyA && !splitWhole }
          : { src: b, off: bOff, lo: B.lo, hi: B.hi, base: bBase, ds: bCs, os: bRs, len: k, copy: copyB && !splitWhole };
        runTwoThreads(s, alongM, split, m, n, k, aPtr, aRs2, aCs2, bPtr, bRs2, bCs2, cBase, acc, alongM ? packedB : 0, takeOverAfter, cAt < 0 ? c : null, cOff);
      } else {
        if (copyA) A.copyInto(f64, aBase);
        if (copyB) B.copyInto(f64, bBase);
        s.gemm(m, n, k, aPtr, aRs2, aCs2, bPtr, bRs2, bCs2, cBase, n, acc, WORK_BASE, 0);
        if (cAt < 0) c.set(f64.subarray(cBase / 8, cBase / 8 + m * n), cOff);
      }
      if (token !== undefined && !hit) {
        // Recorded only now that the copy is complete.
        resident.token = token;
        resident.src = new WeakRef(tokenPlan.src);
        resident.key = tokenPlan.key;
      }
      if (record !== null) noteTime(record, two, now() - began);
    },
    allocate: resultStorage,
    axpy: wasmAxpy,
    adamUpdate: wasmAdam,
    sgdUpdate: wasmSgd,
  };
}

/** Byte addresses of `arrays` in the kernel memory, if they all live there and none overlaps another over n values; else null. */
function addressesApart(arrays: readonly Float64Array[], n: number): number[] | null {
  const at = arrays.map(addressOf);
  const apart = at.every((a, i) => a >= 0 && at.every((b, j) => j === i || a + 8 * n <= b || b + 8 * n <= a));
  return apart ? at : null;
}

/**
 * SGD's update: plain SGD is wasmAxpy; the other cases run the module's f64x2 loops when w, g (and the
 * velocity) all live in its memory apart from each other, else the JavaScript loops. Same rounding.
 */
function wasmSgd(w: Float64Array, g: Float64Array, buffer: Float64Array | null, c: SgdCoefficients): void {
  const { lr, momentum, weightDecay, nesterov } = c;
  if (momentum === 0 && weightDecay === 0) {
    wasmAxpy(-lr, g, w);
    return;
  }
  const n = w.length;
  const at = state === null || n < AXPY_MIN ? null : addressesApart(momentum === 0 ? [w, g] : [w, g, buffer!], n);
  if (at === null) {
    sgdLoop(w, g, buffer, c);
    return;
  }
  const variant = momentum === 0 ? 0 : weightDecay === 0 && !nesterov ? 1 : nesterov ? 3 : 2;
  state!.sgd(variant, n, at[0]!, at[1]!, at[2] ?? 0, lr, momentum, weightDecay);
}

/**
 * Adam's update with the module's f64x2 loop when w, g, m and v all live in its memory and none overlaps
 * another (a Linear weight, its gradient, and the optimizer's moments, which Adam allocates there for
 * such a weight); else the JavaScript loop. The same rounding either way (NaN bits aside).
 */
function wasmAdam(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients): void {
  const n = w.length;
  const at = state === null || n < AXPY_MIN ? null : addressesApart([w, g, m, v], n);
  if (at === null) {
    adamLoop(w, g, m, v, c);
    return;
  }
  const { weightDecay, beta1, beta2, stepSize, sqrtCorrection2, eps } = c;
  state!.adam(n, at[0]!, at[1]!, at[2]!, at[3]!, weightDecay, beta1, 1 - beta1, beta2, 1 - beta2, stepSize, sqrtCorrection2, eps);
}

/**
 * Arrays under this many values are updated by a JavaScript loop: the call costs more than SIMD saves.
 */
const AXPY_MIN = 1 << 10;

/**
 * y += alpha·x, with the module's f64x2 loop when both arrays live in its memory (an optimizer's update
 * of a Linear weight and its gradient: 0.39 → 0.22 ms for 3072×100 with cold caches, measured alone);
 * else, and for arrays that overlap without being one, the JavaScript loop. The same rounding either way
 * (bit for bit, except which NaN a NaN result is: WebAssembly leaves NaN bits unspecified).
 */
function wasmAxpy(alpha: number, x: Float64Array, y: Float64Array): void {
  const n = y.length;
  const xAt = addressOf(x);
  // One array for both is fine (elementwise); otherwise they must not overlap.
  const at = state === null || n < AXPY_MIN || x.length < n ? null : xAt >= 0 && xAt === addressOf(y) ? [xAt, xAt] : addressesApart([x, y], n);
  if (at === null) axpyLoop(alpha, x, y);
  else state!.axpy(n, alpha, at[0]!, at[1]!);
}

/**
 * The operand that is cut into chunks (A's rows when splitting along m, B's columns along n): element
 * (d, q) of it, d along the split, is src[off + d*ds + q*os] for q < len, stored at base + 8*(index - lo).
 */
interface Split {
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
function chunking(long: number, work: number, tile: number): { size: number; chunks: number } {
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
function runTwoThreads(
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
  // packing. Without it each chunk packs all of B again: at n = 512 (8 chunks of 64 rows), measured
  // with a 6-row product, 0.22 ms of a chunk's ~1.4 ms.
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
  const pace = mine > 0 ? (endFrom - computeFrom) / mine : (m * n * k) / chunks / 1e7; // else ~20 GFLOP/s
  const deadline = ownTile ? endFrom + takeOverAfter * pace : Infinity;
  const started = Date.now();
  // Each chunk of C is copied out as soon as it is done and this thread has nothing else to do: while it
  // waits for the worker's last chunk, it copies out the others (for dW1 = dyᵀ·x, 2.4 MB, ~0.17 ms,
  // which used to follow that wait).
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
      Atomics.wait(ctrl, STATE + i, st, phase === COMPUTING ? Math.min(50, Math.max(0.05, deadline - now())) : 50);
      if (Date.now() - started > 120_000) {
        workerStatus = 'failed';
        throw new TensorgradError('matmul', 'the wasm kernel worker thread stopped answering');
      }
    }
  }
  for (let i = 0; i < chunks; i++) if (copiedOut[i] === 0) copyOut(i);
}

// When other processes keep the second core busy, the worker gets preempted in the middle of a chunk
// and this thread idles until it is scheduled again: two threads then lose to one, by up to 40% here.
// So the default kernel times every large product, on one thread and on two, per shape (sizes and
// strides), and keeps the last RING times of each. The first three calls of a shape run on two threads,
// one, two; after that each call takes the mode with the lower median (the best time while a mode has
// fewer than RING; the median drops an outlier such as a call that met a burst of load), and now and
// then the other one, to notice when the load changes (see chooseTwo). Real times of both modes, rather than an estimate of one thread from a
// threaded call: with a third process on two cores this thread's own pace is slowed as well, and an
// estimate from it would flatter the threads.
const RING = 3;
const PROBE_ONE_WINS = 16;
const PROBE_TWO_WINS = 64;
const MAX_SHAPES = 64;
export interface ShapeRecord {
  one: number[];
  two: number[];
  calls: number;
  /** The mode of the latest call. */
  lastTwo: boolean;
}
export interface Chooser {
  shapes: Map<string, ShapeRecord>;
  /** The last decision (for wasmKernelInfo). */
  lastTwo: boolean;
}
/** The choosers of the adaptive kernels; the first is the default kernel's (wasmKernelInfo reports it). */
const adaptiveKernels: Chooser[] = [];
const now = (): number => performance.now();

/** @internal Exported for tests. */
export function recordFor(chooser: Chooser, key: string): ShapeRecord {
  let r = chooser.shapes.get(key);
  if (r === undefined) {
    if (chooser.shapes.size >= MAX_SHAPES) chooser.shapes.clear();
    r = { one: [], two: [], calls: 0, lastTwo: true };
    chooser.shapes.set(key, r);
  }
  return r;
}

/** The median of a full ring; the best time while fewer are in (what the mode can do, so far). */
function typical(xs: number[]): number {
  if (xs.length < RING) return Math.min(...xs);
  const s = [...xs].sort((x, y) => x - y);
  return s[RING >> 1]!;
}

/** @internal Exported for tests: whether the next call of this shape runs on two threads. */
export function chooseTwo(r: ShapeRecord): boolean {
  const call = r.calls++;
  // Exploration: two threads, one, two threads again; a short benchmark run should not spend many of
  // its calls on the mode that loses.
  if (call < 3) return call !== 1;
  const one = typical(r.one);
  const two = typical(r.two);
  const twoWins = two < one;
  // Probe the losing mode now and then (rarely while two threads win: a probe of one thread costs half a
  // product), at once when the winner's latest time is worse than the loser's median, and again while
  // the loser's latest time beats the winner's median (two such times in a row flip the choice: a load
  // burst that is over costs few calls).
  const winner = twoWins ? r.two : r.one;
  const loser = twoWins ? r.one : r.two;
  // While a shape is new, one thread winning may be a burst of load during the first calls: probe two
  // threads every 4th call, so that a short run (a benchmark's few calls) is not stuck on one thread.
  const every = twoWins ? PROBE_TWO_WINS : call < 32 ? 4 : PROBE_ONE_WINS;
  const lastWasWinner = r.lastTwo === twoWins;
  const probe =
    call % every === every - 1 ||
    (lastWasWinner ? winner[winner.length - 1]! > Math.max(one, two) : loser[loser.length - 1]! < Math.min(one, two));
  return probe ? !twoWins : twoWins;
}

/** @internal Exported for tests. */
export function noteTime(r: ShapeRecord, two: boolean, ms: number): void {
  const ring = two ? r.two : r.one;
  r.lastTwo = two;
  ring.push(ms);
  if (ring.length > RING) ring.shift();
}

let takenOver = 0;
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

/** One thread, WebAssembly SIMD. */
export const wasmGemmSingle = createWasmGemm({ name: 'wasm-st', threadMinWork: Infinity });
/** WebAssembly SIMD plus a second thread for products large enough to pay for it: the default. */
export const wasmGemm = createWasmGemm({ name: 'wasm' });

/**
 * What the WebAssembly kernel runs with here, for benchmark reports. `secondThread`: the worker is up.
 * `threads`: 'not started' before the first product large enough to start it, 'starting' while it comes
 * up, 'on', 'backed off' while the default kernel computes alone after threads did not pay, 'unavailable'.
 */
export function wasmKernelInfo(): {
  available: boolean;
  fma: boolean;
  microTile: string;
  secondThread: boolean;
  threads: 'not started' | 'starting' | 'on' | 'backed off' | 'unavailable';
} {
  const up = wasmThreadsActive();
  const threads =
    state === null || state.ctrl === null || workerStatus === 'failed'
      ? 'unavailable'
      : workerStatus === 'idle'
        ? 'not started'
        : !up
          ? 'starting'
          : !adaptiveKernels[0]!.lastTwo
            ? 'backed off'
            : 'on';
  return { available: wasmAvailable, fma: wasmFma, microTile: `${tileParams.mr}x${tileParams.nr}`, secondThread: up, threads };
}

import { resultStorage, scratchArea, scratchGeneration } from './arena.js';
import { SMALL_PRODUCT_WORK, tsGemm } from './gemm-ts.js';
import { wasmAdam, wasmAxpy, wasmSgd } from './optim-updates.js';
import { adaptiveKernels, chooseTwo, noteTime, recordFor, type Chooser, type ShapeRecord } from './thread-choice.js';
import { PREPACK_MIN_CHUNKS, chunking, now, runTwoThreads, wakeWorker, workerIdle, workerPhase, workerReady, workerType, type Split } from './threads.js';
import type { Backend, GemmHints } from './types.js';
import { WORK_BASE, addressOf, align, state, tileParams, wasmAvailable, wasmFma } from './wasm-module.js';

/**
 * The WebAssembly SIMD (f64x2) gemm of wasm-module.ts, on one thread or two (threads.ts, chosen per
 * shape by thread-choice.ts), with the optimizer updates of optim-updates.ts.
 *
 * Operands and C that live in the kernel's memory (arena.ts) are read and written in place. Any other
 * operand is copied into the kernel's scratch: the range of storage it spans in one memcpy when that
 * range is about what the product reads (a transposed view is copied as the storage it views, never
 * transposed), else only the elements it reads, gathered (a strided slice of a larger tensor). An
 * operand named by a token (GemmHints: linear's x, read by its forward and again by its backward)
 * stays in the scratch between calls and is copied once. A C elsewhere is computed in the scratch and
 * copied out; a product's result the kernel allocates itself (`allocate`) lives in the arena.
 */

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

export function createWasmGemm(options: WasmGemmOptions = {}): Backend {
  const threadMinWork = options.threadMinWork ?? DEFAULT_THREAD_MIN_WORK;
  const minWork = options.minWork ?? SMALL_PRODUCT_WORK;
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
      if (work >= threadMinWork / 16 && workerIdle()) workerReady(s);
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
        wakeWorker(s);
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

/** One thread, WebAssembly SIMD. */
export const wasmGemmSingle = createWasmGemm({ name: 'wasm-st', threadMinWork: Infinity });
/** WebAssembly SIMD plus a second thread for products large enough to pay for it: the default where the native kernel did not load (browsers, bundles). */
export const wasmGemm = createWasmGemm({ name: 'wasm' });

/**
 * What the WebAssembly kernel runs with here, for benchmark reports and pages. `secondThread`: the worker
 * is up. `threads`: 'not started' before the first product large enough to start it, 'starting' while it
 * comes up, 'on', 'backed off' while the default kernel computes alone after threads did not pay,
 * 'unavailable' (no shared memory: a page that is not cross-origin isolated; or the worker failed).
 * `worker`: the second thread's kind once started, 'worker_threads' in Node, 'web worker' in a browser.
 */
export function wasmKernelInfo(): {
  available: boolean;
  fma: boolean;
  microTile: string;
  secondThread: boolean;
  threads: 'not started' | 'starting' | 'on' | 'backed off' | 'unavailable';
  worker: 'worker_threads' | 'web worker' | null;
} {
  const phase = workerPhase();
  const threads = phase !== 'up' ? phase : adaptiveKernels[0]!.lastTwo ? 'on' : 'backed off';
  return { available: wasmAvailable, fma: wasmFma, microTile: `${tileParams.mr}x${tileParams.nr}`, secondThread: phase === 'up', threads, worker: workerType() };
}

/**
 * Starts the kernel's second thread now rather than at the first large product, and resolves once it is
 * up (true), or false where there can be none (no WebAssembly kernel, no shared memory: in a browser,
 * a page that is not cross-origin isolated) or it did not come up within `timeoutMs`. In a page the
 * worker can only start while the main thread yields, which awaiting this does; a synchronous loop
 * started right after a page loads otherwise runs on one thread until its first await.
 */
export async function startKernelThreads(timeoutMs = 10_000): Promise<boolean> {
  const s = state;
  if (s === null || s.ctrl === null) return false;
  const until = now() + timeoutMs;
  while (!workerReady(s)) {
    if (workerPhase() === 'unavailable' || now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

import { GraphError, Tensor, ValueError, describeValue, fromData } from '@tensorgrad/core';
import { ARENA_BASE, MAX_PAGES, PAGE, addressOf, align, ensureCapacity, inKernelMemory, nodeProcess, setV8Flags, state } from './wasm-module.js';

/**
 * Storage in the WebAssembly kernel's memory: blocks handed out to long-lived arrays (a layer's weight,
 * its gradient, a large product's result), and the kernel's own scratch block (operands copied in, C,
 * packed B). A block goes back to the arena when its Float64Array is garbage-collected; freed blocks
 * are kept in a free list (first fit, merged with free neighbours), and a free block at the top lowers
 * the top. The scratch is a block like the others, so the arena growing never moves it: it moves only
 * when a product needs more scratch than it has.
 *
 * The memory is one WebAssembly memory, which can grow but never shrink. What keeps it small is
 * reclaiming dead blocks promptly, also in a loop that never yields to the event loop (a plain training
 * script, where FinalizationRegistry callbacks would not run until the loop ends): see `collector`.
 */

interface Block {
  at: number;
  bytes: number;
}

const arena = { top: ARENA_BASE, free: [] as Block[] };
/** Arrays smaller than this are plain Float64Arrays: copying them costs less than a block of the arena. */
export const MIN_KERNEL_STORAGE = 1 << 12;
/**
 * The arena's blocks for arrays stop at this many bytes (half the memory): above it, new arrays are
 * ordinary ones, so that a large model's weights never leave too little room for a large product's
 * scratch (which would otherwise fall back to the TypeScript kernel). The scratch itself may go past it.
 */
let arenaLimit = (MAX_PAGES * PAGE) / 2;

/**
 * Blocks one after another (a weight, then its gradient) would sit a multiple of 4 KiB apart when their
 * size is one; two cache lines of padding keep an update loop's loads of one from aliasing its stores
 * to the other in the L1.
 */
function blockBytes(length: number): number {
  return align(8 * length, 64) + 128;
}

function release(block: Block): void {
  const free = arena.free;
  let i = 0;
  while (i < free.length && free[i]!.at < block.at) i++;
  free.splice(i, 0, { ...block });
  // Merge with the next block, then with the previous one.
  if (i + 1 < free.length && free[i]!.at + free[i]!.bytes === free[i + 1]!.at) {
    free[i]!.bytes += free[i + 1]!.bytes;
    free.splice(i + 1, 1);
  }
  if (i > 0 && free[i - 1]!.at + free[i - 1]!.bytes === free[i]!.at) {
    free[i - 1]!.bytes += free[i]!.bytes;
    free.splice(i, 1);
    i--;
  }
  const last = free[free.length - 1]!;
  if (last.at + last.bytes === arena.top) {
    arena.top = last.at;
    free.pop();
  }
}

type Registry = FinalizationRegistry<Block> & { cleanupSome?: () => void };
interface Collector {
  registry: Registry;
  /**
   * Whether dead blocks can be reclaimed synchronously (`cleanupSome`): in Node, from a registry made in
   * a context of its own with V8's flag for it. Elsewhere the callbacks run between tasks only.
   */
  sync: boolean;
  /** A full collection, where it can be asked for (Node: the same context's `gc`). */
  gc: (() => void) | null;
}

/**
 * How dead blocks come back. Finalization callbacks run as tasks of the event loop, so in a loop that
 * never awaits (a training script, a benchmark's tight loop) none would run: every dropped block would
 * stay taken and the arena would grow by each one. Where V8 allows (Node), the arena therefore asks for
 * the callbacks of arrays already found dead before it grows (`cleanupSome`), and for a full collection
 * once it has grown by COLLECT_AFTER bytes since the last one, so that it grows only by what is alive.
 */
function makeCollector(): Collector | null {
  if (typeof FinalizationRegistry === 'undefined') return null;
  try {
    const vm = nodeProcess?.getBuiltinModule?.('node:vm') as { createContext(): object; runInContext(code: string, context: object): unknown } | undefined;
    if (vm !== undefined && setV8Flags('--harmony-weak-refs-with-cleanup-some') && setV8Flags('--expose-gc')) {
      // The flags apply to contexts made from now on: this one's FinalizationRegistry has cleanupSome,
      // and its global has gc. The main context is left as it was.
      const context = vm.createContext();
      const Registry = vm.runInContext('FinalizationRegistry', context) as typeof FinalizationRegistry;
      const gc = vm.runInContext("typeof gc === 'function' ? gc : null", context) as (() => void) | null;
      const registry = new Registry<Block>(release) as Registry;
      if (typeof registry.cleanupSome === 'function') return { registry, sync: true, gc };
    }
  } catch {
    // not Node, flags locked, or no vm: callbacks between tasks only
  }
  return { registry: new FinalizationRegistry<Block>(release), sync: false, gc: null };
}

const collector = state !== null && state.shared ? makeCollector() : null;

/**
 * Bytes handed out between two full collections the arena asks for (and only when it would otherwise
 * grow). Counting what is handed out, not only growth: blocks freed by a collection are taken again
 * first, and the arena then collects again rather than grow past them.
 */
const COLLECT_AFTER = 64 << 20;
let handedOutSinceCollection = 0;
let collections = 0;
let collectionMs = 0;

function firstFit(bytes: number): number {
  const free = arena.free;
  for (let i = 0; i < free.length; i++) {
    const block = free[i]!;
    if (block.bytes < bytes) continue;
    const at = block.at;
    if (block.bytes === bytes) free.splice(i, 1);
    else {
      block.at += bytes;
      block.bytes -= bytes;
    }
    return at;
  }
  return -1;
}

/** A block of `bytes` from the free list, else from reclaimed dead blocks, else by growing (up to `limit`); -1 if none. */
function takeBlock(bytes: number, limit: number): number {
  handedOutSinceCollection += bytes;
  let at = firstFit(bytes);
  if (at >= 0) return at;
  if (collector !== null && collector.sync) {
    collector.registry.cleanupSome!();
    at = firstFit(bytes);
    if (at >= 0) return at;
    if (collector.gc !== null && handedOutSinceCollection >= COLLECT_AFTER) {
      handedOutSinceCollection = 0;
      collections++;
      const started = performance.now();
      collector.gc();
      collectionMs += performance.now() - started;
      collector.registry.cleanupSome!();
      at = firstFit(bytes);
      if (at >= 0) return at;
    }
  }
  if (arena.top + bytes > limit || !ensureCapacity(state!, arena.top + bytes)) return -1;
  at = arena.top;
  arena.top += bytes;
  return at;
}

/**
 * A Float64Array of `length` in the arena, or null where there is none (no shared memory, a small
 * array, the arena full). Zero-filled when `zero` (a reused block holds an earlier array's values).
 */
function arenaArray(length: number, zero: boolean): Float64Array | null {
  const s = state;
  if (s === null || !s.shared || collector === null || length < MIN_KERNEL_STORAGE) return null;
  const bytes = blockBytes(length);
  const at = takeBlock(bytes, arenaLimit);
  if (at < 0) return null;
  const view = new Float64Array(s.memory.buffer, at, length);
  if (zero) view.fill(0);
  collector.registry.register(view, { at, bytes }, view);
  if (!collector.sync) {
    // Without synchronous reclaiming, the collector must see what a block holds: it counts a block in
    // the (one, long-lived) memory as nothing, so arrays that die young would be collected rarely and
    // the arena would grow by one block per step, without bound. An untouched ArrayBuffer of the
    // block's size, alive exactly as long as the view, is counted as external memory.
    footprint.set(view, new ArrayBuffer(bytes));
  }
  return view;
}

const footprint = new WeakMap<Float64Array, ArrayBuffer>();

function checkLength(op: string, length: number): void {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    // NaN would make the arena's top NaN, and every later product silently read and write nothing.
    throw new ValueError(op, `length must be a non-negative integer, got ${String(length)}`);
  }
}

/**
 * A zero-filled Float64Array of `length` for a long-lived tensor (a layer's weight, its gradient):
 * inside the WebAssembly kernel's memory where that memory is shared (it never moves or detaches), so
 * that the kernel reads it as an operand and writes it as a product in place, with no copy in or out.
 * Elsewhere (no SharedArrayBuffer, a small array, a full arena) a plain Float64Array. The block returns
 * to the kernel when the array is garbage-collected; a view made with `subarray` or over its `.buffer`
 * does not keep it alive.
 */
export function kernelStorage(length: number): Float64Array {
  checkLength('kernelStorage', length);
  return arenaArray(length, true) ?? new Float64Array(length);
}

/**
 * Storage for a product's result of `length` values that the kernel writes in full (not zero-filled):
 * in the arena, so the kernel writes it in place and its pages are ones already in use (fresh pages
 * cost a fault each when first written, which made copying a result into new memory slow), else a
 * plain array.
 */
export function resultStorage(length: number): Float64Array {
  return arenaArray(length, false) ?? new Float64Array(length);
}

/**
 * A zero-filled array of `length` values that lives where `reference` does: in the kernel's memory
 * (kernelStorage) when `reference` is there, else an ordinary Float64Array. For what an op or an
 * optimizer keeps beside a tensor (a weight's gradient, SGD's velocity, Adam's moments), so that the
 * kernel's loops can work on them together in place.
 */
export function storageLike(reference: Float64Array, length: number): Float64Array {
  return inKernelMemory(reference) ? kernelStorage(length) : new Float64Array(length);
}

/**
 * `t` with its values in the matmul kernel's own memory (see kernelStorage), as a tfjs tensor keeps its
 * data in its backend: the kernel then reads it in place at every product instead of copying it in.
 * Never needed for speed (a product copies an operand in once, and only the elements it reads), but
 * saves that copy for a large tensor read by many products. Returns `t` itself when its storage is
 * there already or cannot be (a small tensor, no SharedArrayBuffer); else a new leaf holding a copy,
 * with `t`'s shape, name and requiresGrad.
 */
export function toKernelMemory(t: Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError('toKernelMemory', `expected a Tensor, got ${describeValue(t)}`);
  if (inKernelMemory(t.nd.data)) return t;
  if (t._node !== null && t.requiresGrad) {
    throw new GraphError('toKernelMemory', 'the tensor was computed by an op; a copy would cut it off from its graph — call it on a leaf, or on t.detach()');
  }
  const storage = kernelStorage(t.size);
  if (!inKernelMemory(storage)) return t;
  storage.set(t.data);
  return fromData(storage, t.shape, { requiresGrad: t.requiresGrad, name: t.name });
}

// ---------------------------------------------------------------------------------------------------
// The kernel's scratch

const scratch = { at: -1, bytes: 0, generation: 0 };

/**
 * The byte address of the kernel's scratch block, at least `bytes` long, or -1 when the memory cannot
 * hold that much. The block moves only when it must grow (then `scratchGeneration()` changes, and
 * whatever was kept in it, the resident operand, is gone).
 */
export function scratchArea(bytes: number): number {
  if (scratch.bytes >= bytes) return scratch.at;
  // Give the old block back first: the new one may take its place and what follows it.
  if (scratch.at >= 0) release({ at: scratch.at, bytes: scratch.bytes });
  scratch.generation++;
  const want = align(Math.max(bytes, Math.floor(scratch.bytes * 1.25)), PAGE);
  let at = takeBlock(want, Infinity);
  let got = want;
  if (at < 0 && want > bytes) {
    got = align(bytes, 64);
    at = takeBlock(got, Infinity);
  }
  scratch.at = at;
  scratch.bytes = at < 0 ? 0 : got;
  return at;
}

/** Changes each time the scratch block moves. */
export function scratchGeneration(): number {
  return scratch.generation;
}

// ---------------------------------------------------------------------------------------------------
// For tests

/**
 * @internal For tests of the allocator: gives `view`'s block back now, as its garbage collection would.
 * The view must not be used afterwards.
 */
export function releaseKernelStorage(view: Float64Array): void {
  if (addressOf(view) < 0 || collector === null || !collector.registry.unregister(view)) return;
  release({ at: view.byteOffset, bytes: blockBytes(view.length) });
}

/** @internal For tests: sets the arena's limit (bytes from address 0); returns the previous one. */
export function setKernelArenaLimit(bytes: number): number {
  const previous = arenaLimit;
  arenaLimit = bytes;
  return previous;
}

/**
 * @internal For tests and reports: where the arena ends, which blocks in it are free, where the scratch
 * is, whether dead blocks are reclaimed synchronously, and how many full collections the arena asked for
 * and the milliseconds they took.
 */
export function kernelArena(): { top: number; free: Block[]; scratch: Block; syncReclaim: boolean; collections: number; collectionMs: number } {
  return {
    top: arena.top,
    free: arena.free.map((b) => ({ ...b })),
    scratch: { at: scratch.at, bytes: scratch.bytes },
    syncReclaim: collector?.sync ?? false,
    collections,
    collectionMs,
  };
}

import { ValueError, describeValue, setEngineStorage } from '@tensorgrad/core';
import { tsGemm } from './gemm-ts.js';
import { nativeGemm } from './gemm-native.js';
import { wasmGemm, wasmGemmSingle } from './gemm-wasm.js';
import { adamLoop, axpyLoop, sgdLoop } from './optim-loops.js';
import type { AdamCoefficients, Backend, SgdCoefficients } from './types.js';
import { wasmAvailable } from './wasm-module.js';
import { MIN_KERNEL_STORAGE } from './arena.js';

/**
 * The registry of kernels (the Backend interface is in types.ts) and the entry points ops and nn call
 * through whichever is active: the optimizers' updates and the storage of a product's result.
 */

/**
 * y += alpha·x (BLAS's axpy) over y.length elements, rounded as `y[i] += alpha * x[i]` (bit for bit,
 * except which NaN a NaN result is): through the active kernel where it has its own (the WebAssembly
 * kernels' SIMD loop, for arrays in their memory), else a plain loop. SGD's update of a weight is one.
 */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  if (!(x instanceof Float64Array) || !(y instanceof Float64Array)) throw new ValueError('axpy', 'x and y must be Float64Arrays');
  if (x.length < y.length) throw new ValueError('axpy', `x has ${x.length} values, fewer than y's ${y.length}`);
  if (typeof alpha !== 'number') throw new ValueError('axpy', `alpha must be a number, got ${describeValue(alpha)}`);
  const kernel = gemmKernel();
  if (kernel.axpy !== undefined) kernel.axpy(alpha, x, y);
  else axpyLoop(alpha, x, y);
}

/**
 * One SGD step over a parameter's values, with PyTorch's rule (g' = g + λ·w; with momentum μ, b = μ·b + g'
 * and the step is b, or g' + μ·b for Nesterov; w -= lr·step), rounded as the element-by-element loops
 * (bit for bit, NaN bits aside): through the active kernel where it has its own (the WebAssembly kernels'
 * f64x2 loops, for arrays in their memory), else those loops. `buffer` is the velocity, needed when
 * momentum > 0; g and buffer must be at least as long as w.
 */
export function sgdUpdate(w: Float64Array, g: Float64Array, buffer: Float64Array | null, c: SgdCoefficients): void {
  const arrays: [string, unknown][] = [['w', w], ['g', g]];
  if (c.momentum !== 0) arrays.push(['buffer', buffer]);
  for (const [name, a] of arrays) {
    if (!(a instanceof Float64Array)) throw new ValueError('sgdUpdate', `${name} must be a Float64Array${name === 'buffer' ? ' when momentum > 0' : ''}`);
    if (a.length < w.length) throw new ValueError('sgdUpdate', `${name} has ${a.length} values, fewer than w's ${w.length}`);
  }
  const kernel = gemmKernel();
  if (kernel.sgdUpdate !== undefined) kernel.sgdUpdate(w, g, buffer, c);
  else sgdLoop(w, g, buffer, c);
}

/**
 * One Adam step over a parameter's values, in PyTorch's arithmetic, rounded as the element-by-element
 * loop (bit for bit, NaN bits aside):
 *   g' = g + λ·w;  m = β1·m + (1-β1)·g';  v = β2·v + (1-β2)·g'²;  w -= stepSize·m / (sqrt(v) / sqrtCorrection2 + eps)
 * through the active kernel where it has its own (the WebAssembly kernels' f64x2 loop, for arrays in
 * their memory), else that loop. g, m and v must be at least as long as w.
 */
export function adamUpdate(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients): void {
  for (const [name, a] of [['w', w], ['g', g], ['m', m], ['v', v]] as const) {
    if (!(a instanceof Float64Array)) throw new ValueError('adamUpdate', `${name} must be a Float64Array`);
    if (a.length < w.length) throw new ValueError('adamUpdate', `${name} has ${a.length} values, fewer than w's ${w.length}`);
  }
  const kernel = gemmKernel();
  if (kernel.adamUpdate !== undefined) kernel.adamUpdate(w, g, m, v, c);
  else adamLoop(w, g, m, v, c);
}

/**
 * Storage for the result of a product the active kernel is about to write in full (matmul's C, linear's
 * y): the kernel's own choice of memory where it has one, else a new Float64Array. Not zero-filled.
 */
export function productStorage(length: number): Float64Array {
  const kernel = gemmKernel();
  return kernel.allocate !== undefined ? kernel.allocate(length) : new Float64Array(length);
}

let opStorageInKernel = true;

/**
 * @internal For measurements: whether newStorage uses the kernel's memory (true, the default) or always
 * plain arrays, as before it existed. Returns the previous setting.
 */
export function setOpStorageInKernel(on: boolean): boolean {
  const previous = opStorageInKernel;
  opStorageInKernel = on;
  return previous;
}

/**
 * Storage for an op's output or a backward rule's gradient of `length` values, zero-filled like
 * `new Float64Array(length)`: from the active kernel's own memory (`allocate`, the WebAssembly arena)
 * when it has one and the array is large enough to be kept there, else a plain Float64Array. A fresh
 * large Float64Array is memory the C library maps anew (or hands back after trimming it), whose every
 * page faults when first written; the arena's blocks are pages already in use.
 */
export function newStorage(length: number): Float64Array {
  // A kernel block may hold an earlier array's values.
  return kernelBlock(length)?.fill(0) ?? new Float64Array(length);
}

/**
 * As newStorage, for an op that writes every one of the `length` values itself: not zero-filled.
 */
export function newStorageUnfilled(length: number): Float64Array {
  return kernelBlock(length) ?? new Float64Array(length);
}

/** A block of the active kernel's memory for a large op output, or null where a plain array is the place. */
function kernelBlock(length: number): Float64Array | null {
  if (length < MIN_KERNEL_STORAGE || !opStorageInKernel) return null;
  const kernel = gemmKernel();
  return kernel.allocate !== undefined ? kernel.allocate(length) : null;
}

// The engine's gradient sums at branches and the gradients it hands out go where op outputs go.
setEngineStorage(newStorageUnfilled);

const kernels = new Map<string, Backend>();
let active: Backend | null = null;

export function registerGemmKernel(kernel: Backend): void {
  kernels.set(kernel.name, kernel);
}

registerGemmKernel(tsGemm);
if (wasmAvailable) {
  registerGemmKernel(wasmGemmSingle);
  registerGemmKernel(wasmGemm);
}
if (nativeGemm !== null) registerGemmKernel(nativeGemm);

/** Selects the kernel matmul uses by name ('ts' is the plain TypeScript fallback and test oracle). */
export function setGemmKernel(name: string): void {
  const kernel = kernels.get(name);
  if (kernel === undefined) throw new ValueError('setGemmKernel', `unknown kernel '${name}' (known: ${[...kernels.keys()].join(', ')})`);
  active = kernel;
}

/**
 * The kernel in use: the one set last, else TENSORGRAD_KERNEL, else 'native' where its addon is built
 * (Node), else 'wasm' where WebAssembly SIMD is available, else 'ts'.
 */
export function gemmKernel(): Backend {
  if (active === null) {
    const requested = typeof process !== 'undefined' ? process.env.TENSORGRAD_KERNEL : undefined;
    if (requested !== undefined && requested !== '') {
      const kernel = kernels.get(requested);
      if (kernel === undefined) {
        throw new ValueError('gemmKernel', `TENSORGRAD_KERNEL='${requested}' is not a kernel here (known: ${[...kernels.keys()].join(', ')})`);
      }
      active = kernel;
    } else {
      active = kernels.get('native') ?? kernels.get('wasm') ?? tsGemm;
    }
  }
  return active;
}

export function gemmKernelNames(): string[] {
  return [...kernels.keys()];
}

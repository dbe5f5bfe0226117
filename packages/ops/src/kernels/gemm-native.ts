import { resultStorage } from './arena.js';
import { SMALL_PRODUCT_WORK, tsGemm } from './gemm-ts.js';
import { UPDATE_KERNEL_MIN, adamLoop, axpyLoop, sgdLoop } from './optim-loops.js';
import type { AdamCoefficients, Backend, GemmHints, SgdCoefficients } from './types.js';
import { nodeProcess, wasmFma } from './wasm-module.js';

/**
 * The native kernel: the same blocked gemm as the WebAssembly one, compiled for this processor
 * (AVX-512, or AVX2 with FMA) as a Node-API addon (`native/`, built by `pnpm install`), on the calling
 * thread plus one helper thread. It reads every operand where it lives (any Float64Array, any strides:
 * nothing is copied in) and writes C in place.
 *
 * It rounds every element as the WebAssembly FMA kernel does (k summed in blocks of 256, fused
 * multiply-adds in k order, each block's sum added into C), so switching between the two, or running
 * the same script in a page, gives the same bits. Where the addon is not built (no compiler at install,
 * another processor, a browser, `TENSORGRAD_NATIVE=0`), the WebAssembly kernel is the default instead.
 */

/** Backend.gemm's arguments without its optional hints: the addon's gemm takes these and a thread count. */
type GemmArguments = Parameters<Backend['gemm']> extends [...infer Required, (GemmHints | undefined)?] ? Required : never;

interface NativeAddon {
  gemm(...args: [...GemmArguments, threads: number]): void;
  axpy(alpha: number, x: Float64Array, y: Float64Array, threads: number): boolean;
  sgd(w: Float64Array, g: Float64Array, buffer: Float64Array | null, lr: number, momentum: number, weightDecay: number, nesterov: boolean, threads: number): boolean;
  adam(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, weightDecay: number, beta1: number, beta2: number, stepSize: number, sqrtCorrection2: number, eps: number, threads: number): boolean;
  info(): { isa: string; mr: number; nr: number; kc: number; abi?: number; helper: string; threadMinWork: number; spinMicros: number; soloPeriods: number };
  configure(options: { threadMinWork?: number; spinMicros?: number }): void;
}

/** Where the addon is looked for, relative to this file in src/, dist/ and dist/cjs/. */
const ADDON_PATHS = ['../../native/build/tensorgrad-native.node', '../../../native/build/tensorgrad-native.node'];

/** The addon interface this file speaks (gemm-api.h's ABI): a binary reporting another is not used. */
const NATIVE_ABI = 3;

/** Every function of NativeAddon, checked when the addon loads. */
const ADDON_FUNCTIONS = ['gemm', 'axpy', 'sgd', 'adam', 'info', 'configure'] as const satisfies readonly (keyof NativeAddon)[];

let unavailableReason = '';

function loadAddon(): NativeAddon | null {
  if (nodeProcess === undefined) {
    unavailableReason = 'not in Node';
    return null;
  }
  if (nodeProcess.env?.TENSORGRAD_NATIVE === '0') {
    unavailableReason = 'TENSORGRAD_NATIVE=0';
    return null;
  }
  const moduleApi = nodeProcess.getBuiltinModule?.('node:module') as { createRequire(from: string): (id: string) => unknown } | undefined;
  if (moduleApi === undefined || typeof import.meta.url !== 'string' || !import.meta.url.startsWith('file:')) {
    unavailableReason = 'no file to load the addon from (a bundle)';
    return null;
  }
  const load = moduleApi.createRequire(import.meta.url);
  const errors: string[] = [];
  for (const path of ADDON_PATHS) {
    try {
      const loaded = load(path) as Record<string, unknown>;
      // A binary built from older sources (pulled without `pnpm install`) may lack what this file calls.
      const missing = ADDON_FUNCTIONS.filter((name) => typeof loaded[name] !== 'function');
      if (missing.length > 0) {
        errors.push(`the built addon is out of date (no ${missing.join(', ')}): run \`pnpm install\` to rebuild it`);
        continue;
      }
      const abi = (loaded as unknown as NativeAddon).info().abi;
      if (abi !== NATIVE_ABI) {
        errors.push(`the built addon is out of date (interface ${abi ?? 'unversioned'}, this code needs ${NATIVE_ABI}): run \`pnpm install\` to rebuild it`);
        continue;
      }
      return loaded as unknown as NativeAddon;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A missing file at one of the candidate places is expected; anything else is the reason.
      if (!/Cannot find module/.test(message)) errors.push(message.split('\n')[0]!);
    }
  }
  unavailableReason = errors[0] ?? 'not built (`pnpm install` builds it where a C++ compiler and Node headers exist)';
  return null;
}

const addon = loadAddon();

/** True where the native kernel loaded here. */
export const nativeAvailable = addon !== null;

export function createNativeGemm(name = 'native', threads: 0 | 1 = 0): Backend | null {
  if (addon === null) return null;
  const native = addon;
  return {
    name,
    gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate) {
      if (m * n * k < SMALL_PRODUCT_WORK) {
        tsGemm.gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate);
        return;
      }
      native.gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, accumulate, threads);
    },
    // Results in the arena: pages already in use, where a fresh Float64Array costs a page fault per
    // 4 KiB on first write (see KERNELS.md).
    allocate: resultStorage,
    // The optimizers' updates natively, on two threads for large weights, in any memory, rounded as the
    // JavaScript loops (optim-loops.ts) round; arrays that overlap, and small ones, take those loops.
    axpy,
    sgdUpdate(w: Float64Array, g: Float64Array, buffer: Float64Array | null, c: SgdCoefficients) {
      if (c.momentum === 0 && c.weightDecay === 0) axpy(-c.lr, g, w);
      else if (w.length < UPDATE_KERNEL_MIN || !native.sgd(w, g, buffer, c.lr, c.momentum, c.weightDecay, c.nesterov, threads)) sgdLoop(w, g, buffer, c);
    },
    adamUpdate(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients) {
      if (w.length < UPDATE_KERNEL_MIN || !native.adam(w, g, m, v, c.weightDecay, c.beta1, c.beta2, c.stepSize, c.sqrtCorrection2, c.eps, threads)) adamLoop(w, g, m, v, c);
    },
  };
  function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
    // The call costs more than it saves on small arrays; overlapping ones (not one array) need the
    // sequential loop.
    if (y.length < UPDATE_KERNEL_MIN || x.length < y.length || !native.axpy(alpha, x, y, threads)) axpyLoop(alpha, x, y);
  }
}

/** The native kernel with its helper thread for products of at least `threadMinWork` multiply-adds. */
export const nativeGemm = createNativeGemm();

/**
 * What the native kernel runs with here: `available` and, when not, `reason`; the instruction set its
 * micro-kernel uses, the tile, the k block, and the helper thread's state ('not started' before the
 * first large product, then 'on'); `soloPeriods`, how often products ran on the calling thread alone
 * for a while because the helper, descheduled by other processes, kept the caller waiting.
 * `sameBitsAsWasm`: the WebAssembly kernel here is its FMA build, so the two agree bit for bit.
 */
export function nativeKernelInfo():
  | { available: true; isa: string; microTile: string; kc: number; helper: string; threadMinWork: number; soloPeriods: number; sameBitsAsWasm: boolean }
  | { available: false; reason: string } {
  if (addon === null) return { available: false, reason: unavailableReason };
  const info = addon.info();
  return { available: true, isa: info.isa, microTile: `${info.mr}x${info.nr}`, kc: info.kc, helper: info.helper, threadMinWork: info.threadMinWork, soloPeriods: info.soloPeriods, sameBitsAsWasm: wasmFma };
}

/**
 * Tuning for benchmarks and tests: products of at least `threadMinWork` multiply-adds use the helper
 * thread (Infinity: never); the helper spins `spinMicros` after a product before it sleeps.
 */
export function configureNativeKernel(options: { threadMinWork?: number; spinMicros?: number }): void {
  if (addon === null) return;
  addon.configure(options);
}

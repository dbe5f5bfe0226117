import { UPDATE_KERNEL_MIN, adamLoop, axpyLoop, sgdLoop } from './optim-loops.js';
import type { AdamCoefficients, SgdCoefficients } from './types.js';
import { addressOf, state } from './wasm-module.js';

/**
 * The WebAssembly kernels' optimizer updates: the module's f64x2 loops (wasm/gen-gemm.ts) for arrays
 * that live in its memory, the JavaScript loops of optim-loops.ts for any other. Both round the same.
 */


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
export function wasmSgd(w: Float64Array, g: Float64Array, buffer: Float64Array | null, c: SgdCoefficients): void {
  const { lr, momentum, weightDecay, nesterov } = c;
  if (momentum === 0 && weightDecay === 0) {
    wasmAxpy(-lr, g, w);
    return;
  }
  const n = w.length;
  const at = state === null || n < UPDATE_KERNEL_MIN ? null : addressesApart(momentum === 0 ? [w, g] : [w, g, buffer!], n);
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
export function wasmAdam(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients): void {
  const n = w.length;
  const at = state === null || n < UPDATE_KERNEL_MIN ? null : addressesApart([w, g, m, v], n);
  if (at === null) {
    adamLoop(w, g, m, v, c);
    return;
  }
  const { weightDecay, beta1, beta2, stepSize, sqrtCorrection2, eps } = c;
  state!.adam(n, at[0]!, at[1]!, at[2]!, at[3]!, weightDecay, beta1, 1 - beta1, beta2, 1 - beta2, stepSize, sqrtCorrection2, eps);
}

/**
 * y += alpha·x, with the module's f64x2 loop when both arrays live in its memory (faster for an
 * optimizer's update of a Linear weight and its gradient; KERNELS.md, Measured);
 * else, and for arrays that overlap without being one, the JavaScript loop. The same rounding either way
 * (bit for bit, except which NaN a NaN result is: WebAssembly leaves NaN bits unspecified).
 */
export function wasmAxpy(alpha: number, x: Float64Array, y: Float64Array): void {
  const n = y.length;
  const xAt = addressOf(x);
  // One array for both is fine (elementwise); otherwise they must not overlap.
  const at = state === null || n < UPDATE_KERNEL_MIN || x.length < n ? null : xAt >= 0 && xAt === addressOf(y) ? [xAt, xAt] : addressesApart([x, y], n);
  if (at === null) axpyLoop(alpha, x, y);
  else state!.axpy(n, alpha, at[0]!, at[1]!);
}

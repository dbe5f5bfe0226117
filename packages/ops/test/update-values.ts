// Values and bit patterns for checking the kernels' updates (axpy, SGD) against the JavaScript loops bit
// for bit, shared by the ops and nn tests.
import { Random } from '@tensorgrad/core';
import { gemmKernelNames, kernelStorage } from '@tensorgrad/ops';

/** Every kernel here; SGD must give the same bits on each. */
export const kernels = gemmKernelNames().filter((k) => ['ts', 'wasm-st', 'wasm'].includes(k));

/**
 * The 64-bit patterns, so that -0 vs 0 counts; every NaN as one pattern. NaN sign and payload are not
 * compared: the WebAssembly spec leaves them nondeterministic, and V8's optimized JavaScript commutes
 * the add and multiply (measured: when two NaNs meet, or alpha is NaN, the JS loop keeps x's NaN and
 * the SIMD loop y's or alpha's). NaN stays NaN, which is all a Float64Array read can tell apart.
 */
export function bits(a: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (b, i) => (Number.isNaN(a[i]) ? 0x7ff8000000000000n : b));
}

/** The old SGD loop (before axpy), the reference for every case. */
export function oldSgd(w: Float64Array, g: ArrayLike<number>, lr: number): void {
  for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * g[i]!;
}

/** Values that tell rounding and special cases apart: normals, ±0, ±Infinity, NaNs, subnormals, huge. */
export function specials(n: number, seed: number): Float64Array {
  const r = new Random(seed);
  const pool = [0, -0, Infinity, -Infinity, NaN, -NaN, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 1, -1, 1e-300, 1e300];
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 3 === 0 ? pool[r.int(pool.length)]! : r.normal() * 10 ** (r.int(40) - 20);
  // A NaN with a payload and a sign: the JavaScript loop passes some through; the kernel must match.
  const u = new BigUint64Array(out.buffer);
  for (let i = 7; i < n; i += 97) u[i] = 0xfff4000000000123n;
  return out;
}

/** A block in the kernel memory (when there is one) holding `values`. */
export function placed(values: Float64Array): Float64Array {
  const a = kernelStorage(values.length);
  a.set(values);
  return a;
}

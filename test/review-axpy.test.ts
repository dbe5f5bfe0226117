// Review of axpy (y += alpha·x through the kernel) and SGD's plain update on it (commit 44a5958 and
// after). SGD's weights must come out bit for bit as the JavaScript loop w[i] = w[i] - lr * g[i] left
// them, wherever w and g live (kernel memory or not, one storage, strided views, odd offsets), for
// every value (NaN, ±Infinity, -0, subnormals), and on every kernel.
import { afterEach, describe, expect, it } from 'vitest';
import { Random, ValueError, fromData, noGrad, randn } from '@tensorgrad/core';
import { axpy, gemmKernel, gemmKernelNames, inKernelMemory, kernelStorage, setGemmKernel, square, sum, transpose } from '@tensorgrad/ops';
import { Linear, SGD } from '@tensorgrad/nn';
import { wasmAvailable } from '../packages/ops/src/kernels/wasm-module.js';
import { TimedKernel } from '../benchmarks/src/kernels.js';

const shared = wasmAvailable && typeof SharedArrayBuffer !== 'undefined';
const rng = new Random(23);
const initialKernel = gemmKernel().name;
afterEach(() => setGemmKernel(initialKernel));

/** Every kernel here; SGD must give the same bits on each. */
const kernels = gemmKernelNames().filter((k) => ['ts', 'wasm-st', 'wasm'].includes(k));

/**
 * The 64-bit patterns, so that -0 vs 0 counts; every NaN as one pattern. NaN sign and payload are not
 * compared: the WebAssembly spec leaves them nondeterministic, and V8's optimized JavaScript commutes
 * the add and multiply (measured: when two NaNs meet, or alpha is NaN, the JS loop keeps x's NaN and
 * the SIMD loop y's or alpha's). NaN stays NaN, which is all a Float64Array read can tell apart.
 */
function bits(a: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (b, i) => (Number.isNaN(a[i]) ? 0x7ff8000000000000n : b));
}

/** The old SGD loop (before axpy), the reference for every case. */
function oldSgd(w: Float64Array, g: ArrayLike<number>, lr: number): void {
  for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * g[i]!;
}

/** Values that tell rounding and special cases apart: normals, ±0, ±Infinity, NaNs, subnormals, huge. */
function specials(n: number, seed: number): Float64Array {
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
function placed(values: Float64Array): Float64Array {
  const a = kernelStorage(values.length);
  a.set(values);
  return a;
}

describe('axpy against the JavaScript loop, bit for bit', () => {
  it('specials (NaN payloads, ±Infinity, -0, subnormals) with alpha = -lr, lr = 0, -0, tails of 0..3', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      for (const n of [4096, 4097, 4098, 4099, 5003]) {
        for (const alpha of [-0.001, -0, 0, -Infinity, NaN, 3]) {
          for (const where of ['both', 'x', 'y', 'none'] as const) {
            const x0 = specials(n, n + 1);
            const y0 = specials(n, n + 2);
            const x = where === 'both' || where === 'x' ? placed(x0) : x0;
            const y = where === 'both' || where === 'y' ? placed(y0) : Float64Array.from(y0);
            if (shared) expect(inKernelMemory(y)).toBe(where === 'both' || where === 'y');
            const expected = Float64Array.from(y0);
            for (let i = 0; i < n; i++) expected[i] += alpha * x0[i]!;
            axpy(alpha, x, y);
            expect(bits(y), `${kernel} n=${n} alpha=${alpha} ${where}`).toEqual(bits(expected));
          }
        }
      }
    }
  });

  it('subarrays at odd element offsets (8 bytes off the 16-byte grid) of kernel arrays: SIMD path, same bits', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const bx = placed(specials(9000, 3));
      const by = placed(specials(9000, 4));
      for (const [ox, oy, n] of [[1, 0, 4099], [0, 3, 4096], [5, 7, 5001], [1, 1, 1027]] as const) {
        const x = bx.subarray(ox, ox + n);
        const y = by.subarray(oy, oy + n);
        const expected = Float64Array.from(y);
        for (let i = 0; i < n; i++) expected[i] += -0.37 * x[i]!;
        const after = Float64Array.from(by);
        after.set(expected, oy);
        axpy(-0.37, x, y);
        // Nothing outside y changes (the SIMD loop writes 32 bytes at a time, the tail one value).
        expect(bits(by), `${kernel} ${ox} ${oy} ${n}`).toEqual(bits(after));
      }
    }
  });

  it('x and y one array (w and g the same storage), and overlapping by 1..3 values either way', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const same = placed(specials(4101, 5));
      const ref = Float64Array.from(same);
      for (let i = 0; i < ref.length; i++) ref[i] += 0.5 * ref[i]!;
      axpy(0.5, same, same);
      expect(bits(same)).toEqual(bits(ref));
      for (const shift of [-3, -2, -1, 1, 2, 3]) {
        const buffer = placed(specials(4200, 6 + shift));
        const n = 4100;
        const x = buffer.subarray(3 + shift, 3 + shift + n);
        const y = buffer.subarray(3, 3 + n);
        const reference = Float64Array.from(buffer);
        for (let i = 0; i < n; i++) reference[3 + i] += 0.25 * reference[3 + shift + i]!;
        axpy(0.25, x, y);
        expect(bits(buffer), `${kernel} shift ${shift}`).toEqual(bits(reference));
      }
    }
  });

  it('x longer than y: only y.length values are updated', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const x = placed(specials(8192, 8));
      const big = placed(specials(8192, 9));
      const y = big.subarray(0, 4097);
      const expected = Float64Array.from(big);
      for (let i = 0; i < 4097; i++) expected[i] += 2 * x[i]!;
      axpy(2, x, y);
      expect(bits(big)).toEqual(bits(expected));
    }
  });
});

describe('SGD (momentum 0, no weight decay) on axpy: the same bits as the old loop', () => {
  /** One SGD step on `p` with gradient `grad`, against the old loop on copies. */
  function checkStep(p: ReturnType<typeof randn>, grad: ReturnType<typeof randn>, lr: number, label: string): void {
    const w0 = Float64Array.from(p.data);
    const g0 = Float64Array.from(grad.data);
    p.grad = grad;
    new SGD([p], { lr }).step();
    oldSgd(w0, g0, lr);
    expect(bits(Float64Array.from(p.data)), label).toEqual(bits(w0));
  }

  it('w and g in or out of the kernel memory, specials included, on every kernel', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      for (const [wIn, gIn] of [[true, true], [true, false], [false, true], [false, false]]) {
        const w = specials(3072 * 2 + 3, 11);
        const g = specials(3072 * 2 + 3, 12);
        const p = fromData(wIn ? placed(w) : w, [3, 2049], { requiresGrad: true });
        const grad = fromData(gIn ? placed(g) : g, [3, 2049]);
        checkStep(p, grad, 0.013, `${kernel} w ${wIn} g ${gIn}`);
      }
    }
  });

  it('a Linear through forward, backward and several steps: weights equal the old loop on the same gradients', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const layer = new Linear(300, 40, { seed: 5 });
      const x = randn([16, 300], { seed: 7 });
      const opt = new SGD(layer.parameters(), { lr: 0.05 });
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad({ setToNone: step % 2 === 0 });
        sum(square(layer.forward(x))).backward();
        const before = layer.parameters().map((p) => [Float64Array.from(p.data), Float64Array.from(p.grad!.data)] as const);
        opt.step();
        layer.parameters().forEach((p, i) => {
          const [w, g] = before[i]!;
          oldSgd(w, g, 0.05);
          expect(bits(Float64Array.from(p.data)), `${kernel} step ${step} param ${i}`).toEqual(bits(w));
        });
      }
    }
  });

  it('w and g the same storage (p.grad = p.detach()): w - lr·w, as before', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const p = fromData(placed(specials(5000, 13)), [5000], { requiresGrad: true });
      const w0 = Float64Array.from(p.data);
      p.grad = p.detach();
      new SGD([p], { lr: 0.1 }).step();
      oldSgd(w0, w0, 0.1); // the old loop read g[i] after writing w[i]: the same array
      expect(bits(Float64Array.from(p.data))).toEqual(bits(w0));
    }
  });

  it('a strided (transposed) parameter and a strided gradient: row-major values both sides', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const base = fromData(placed(specials(70 * 80, 14)), [70, 80]);
      const p = transpose(base); // a view [80, 70], not row-major in its storage
      p.requiresGrad = true;
      expect(p.isContiguous).toBe(false);
      const gradBase = fromData(placed(specials(70 * 80, 15)), [70, 80]);
      const grad = transpose(gradBase);
      checkStep(p, grad, 0.2, `${kernel} strided`);
      // And the storage underneath holds the transposed update (scatterInto wrote it back).
      const w = noGrad(() => Float64Array.from(transpose(p).data));
      expect(bits(Float64Array.from(base.data))).toEqual(bits(w));
    }
  });

  it('TENSORGRAD_KERNEL=ts (or setGemmKernel("ts")): the ts kernel has no axpy, so SGD stays in JavaScript', () => {
    setGemmKernel('ts');
    expect(gemmKernel().axpy).toBeUndefined();
  });
});

describe('benchmarks: the timing wrapper keeps the wrapped kernel’s axpy', () => {
  // benchmarks/src/kernels.ts TimedKernel forwards gemm only: under it, axpy() finds no kernel.axpy and
  // SGD runs the JavaScript loop. The overhead suite's profile (its "SGD step" row: 872.9 µs at the
  // 18:15 run, where the timed step's SGD takes ~0.3 ms) and its "outside gemm" share therefore time a
  // slower SGD than the default kernel runs. Fix: forward axpy (this.axpy = inner.axpy?.bind(inner)).
  it.runIf(wasmAvailable)('TimedKernel around wasm exposes axpy', () => {
    const timed = TimedKernel.around('wasm');
    expect(timed.inner.axpy).toBeTypeOf('function');
    expect((timed as { axpy?: unknown }).axpy).toBeTypeOf('function');
    // SGD's and Adam's updates go through sgdUpdate and adamUpdate: forwarded as well.
    expect((timed as { sgdUpdate?: unknown }).sgdUpdate).toBeTypeOf('function');
    expect((timed as { adamUpdate?: unknown }).adamUpdate).toBeTypeOf('function');
  });
});

describe('axpy is public (exported by @tensorgrad/ops and the umbrella): its arguments are checked', () => {
  // packages/ops/src/kernels/backend.ts:46 axpy: an x shorter than y reads past its end (undefined) and
  // silently writes NaN into y's tail, on every kernel (wasmAxpy's x.length < n check only picks the
  // JavaScript loop). Library style: a typed error naming the op and the lengths. Fix: at the top of
  // axpy, `if (x.length < y.length) throw new ValueError('axpy', ...)` (and Float64Array checks).
  it('an x shorter than y throws a ValueError (y used to get NaN)', () => {
    const x = new Float64Array(5000).fill(1);
    const y = new Float64Array(5001).fill(1);
    let thrown: unknown = null;
    try {
      axpy(2, x, y);
    } catch (e) {
      thrown = e;
    }
    expect(Number.isNaN(y[5000])).toBe(false);
    expect(thrown).toBeInstanceOf(ValueError);
  });
});

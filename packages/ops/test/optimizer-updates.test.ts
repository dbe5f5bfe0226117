// The optimizers' updates in the kernels: axpy (y += alpha·x, SGD's plain step), sgdUpdate and adamUpdate
// round exactly as the JavaScript loops, wherever the arrays live (kernel memory or not, one storage,
// overlapping, odd offsets), for every value (NaN, ±Infinity, -0, subnormals), on every kernel.
import { afterEach, describe, expect, it } from 'vitest';
import { Random, ValueError } from '@tensorgrad/core';
import { adamUpdate, axpy, gemmKernel, gemmKernelNames, sgdUpdate, type AdamCoefficients, type SgdCoefficients, inKernelMemory, kernelStorage, setGemmKernel } from '@tensorgrad/ops';
import { releaseKernelStorage } from '../src/kernels/arena.js';
import { createWasmGemm } from '../src/kernels/gemm-wasm.js';
import { wasmAvailable } from '../src/kernels/wasm-module.js';
import { bits, kernels, placed, specials } from './update-values.js';

const shared = wasmAvailable && typeof SharedArrayBuffer !== 'undefined';
const one = createWasmGemm({ name: 'storage-test-1t', minWork: 0, threadMinWork: Infinity });
const rng = new Random(7);
const initialKernel = gemmKernel().name;
afterEach(() => setGemmKernel(initialKernel));

/** A kernelStorage array of `length` filled with normal values. */
function inMemory(length: number): Float64Array {
  const x = kernelStorage(length);
  for (let i = 0; i < length; i++) x[i] = rng.normal();
  return x;
}

describe('axpy (y += alpha·x), as SGD uses it', () => {
  it('rounds exactly as the JavaScript loop, in the kernel memory (SIMD) and out of it, tails included', () => {
    const initial = gemmKernel().name;
    for (const kernel of ['ts', 'wasm-st', 'wasm'].filter((k) => gemmKernelNames().includes(k))) {
      setGemmKernel(kernel);
      for (const n of [5, 1024, 1027, 4099, 20_001]) {
        for (const placed of [true, false]) {
          const x = placed ? inMemory(n) : Float64Array.from({ length: n }, () => rng.normal());
          const y = placed ? inMemory(n) : Float64Array.from({ length: n }, () => rng.normal());
          const expected = Float64Array.from(y);
          const alpha = -0.0137;
          for (let i = 0; i < n; i++) expected[i] += alpha * x[i]!;
          axpy(alpha, x, y);
          expect(y).toEqual(expected);
          if (placed) for (const a of [x, y]) releaseKernelStorage(a);
        }
      }
    }
    setGemmKernel(initial);
  });

  it('arrays that overlap (shifted by one) get the JavaScript loop, element by element', () => {
    const buffer = inMemory(5001);
    const x = buffer.subarray(0, 5000);
    const y = buffer.subarray(1, 5001);
    const reference = Float64Array.from(buffer);
    for (let i = 0; i < 5000; i++) reference[i + 1] += 0.5 * reference[i]!;
    axpy(0.5, x, y);
    expect(buffer).toEqual(reference);
    releaseKernelStorage(buffer);
  });
});

describe('adamUpdate, as Adam uses it', () => {
  /** The element-by-element loop Adam ran before (packages/nn/src/optim/adam.ts), kept here as the oracle. */
  function reference(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients): void {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]! + c.weightDecay * w[i]!;
      const mi = c.beta1 * m[i]! + (1 - c.beta1) * gi;
      const vi = c.beta2 * v[i]! + (1 - c.beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i]! -= (c.stepSize * mi) / (Math.sqrt(vi) / c.sqrtCorrection2 + c.eps);
    }
  }

  it('rounds exactly as the loop, in the kernel memory (SIMD) and out of it, over several steps, tails included', () => {
    const initial = gemmKernel().name;
    for (const kernel of ['ts', 'wasm-st', 'wasm'].filter((k) => gemmKernelNames().includes(k))) {
      setGemmKernel(kernel);
      for (const n of [7, 1024, 1025, 5003]) {
        for (const placed of [true, false]) {
          for (const weightDecay of [0, 0.01]) {
            const make = (): Float64Array => (placed ? inMemory(n) : Float64Array.from({ length: n }, () => rng.normal()));
            const [w, g, m, v] = [make(), make(), make(), make()];
            for (let i = 0; i < n; i++) v[i] = Math.abs(v[i]!);
            const copies = [w, g, m, v].map((a) => Float64Array.from(a));
            for (let t = 1; t <= 3; t++) {
              const c: AdamCoefficients = { weightDecay, beta1: 0.9, beta2: 0.999, stepSize: 1e-3 / (1 - 0.9 ** t), sqrtCorrection2: Math.sqrt(1 - 0.999 ** t), eps: 1e-8 };
              adamUpdate(w, g, m, v, c);
              reference(copies[0]!, copies[1]!, copies[2]!, copies[3]!, c);
            }
            expect([w, m, v]).toEqual([copies[0], copies[2], copies[3]]);
            if (placed) for (const a of [w, g, m, v]) releaseKernelStorage(a);
          }
        }
      }
    }
    setGemmKernel(initial);
  });

  it('checks its arrays', () => {
    const w = new Float64Array(10);
    const c: AdamCoefficients = { weightDecay: 0, beta1: 0.9, beta2: 0.999, stepSize: 1e-3, sqrtCorrection2: 1, eps: 1e-8 };
    expect(() => adamUpdate(w, new Float64Array(9), new Float64Array(10), new Float64Array(10), c)).toThrow(/g has 9 values, fewer than w's 10/);
    expect(() => adamUpdate(w, w, [] as never, w, c)).toThrow(/m must be a Float64Array/);
  });
});

describe('sgdUpdate, as SGD uses it', () => {
  /** SGD's element-by-element loops as they were (packages/nn/src/optim/sgd.ts), kept here as the oracle. */
  function reference(w: Float64Array, g: Float64Array, b: Float64Array, c: SgdCoefficients): void {
    const { lr, momentum, weightDecay, nesterov } = c;
    for (let i = 0; i < w.length; i++) {
      if (momentum === 0) {
        w[i] = weightDecay === 0 ? w[i]! - lr * g[i]! : w[i]! - lr * (g[i]! + weightDecay * w[i]!);
      } else if (weightDecay === 0 && !nesterov) {
        const vi = momentum * b[i]! + g[i]!;
        b[i] = vi;
        w[i] = w[i]! - lr * vi;
      } else {
        const gi = g[i]! + weightDecay * w[i]!;
        const vi = momentum * b[i]! + gi;
        b[i] = vi;
        w[i]! -= lr * (nesterov ? gi + momentum * vi : vi);
      }
    }
  }

  it('every case rounds exactly as the loops, in the kernel memory (SIMD) and out of it, over three steps, tails included', () => {
    const initial = gemmKernel().name;
    const cases: SgdCoefficients[] = [
      { lr: 0.05, momentum: 0, weightDecay: 0, nesterov: false },
      { lr: 0.05, momentum: 0, weightDecay: 0.01, nesterov: false },
      { lr: 0.05, momentum: 0.9, weightDecay: 0, nesterov: false },
      { lr: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: false },
      { lr: 0.05, momentum: 0.9, weightDecay: 0, nesterov: true },
      { lr: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true },
    ];
    for (const kernel of ['ts', 'wasm-st', 'wasm'].filter((k) => gemmKernelNames().includes(k))) {
      setGemmKernel(kernel);
      for (const n of [7, 5003]) {
        for (const placed of [true, false]) {
          for (const c of cases) {
            const make = (): Float64Array => (placed ? inMemory(n) : Float64Array.from({ length: n }, () => rng.normal()));
            const [w, g, b] = [make(), make(), make()];
            const copies = [w, g, b].map((a) => Float64Array.from(a));
            for (let t = 0; t < 3; t++) {
              sgdUpdate(w, g, c.momentum === 0 ? null : b, c);
              reference(copies[0]!, copies[1]!, copies[2]!, c);
            }
            expect([w, b]).toEqual([copies[0], copies[2]]);
            if (placed) for (const a of [w, g, b]) releaseKernelStorage(a);
          }
        }
      }
    }
    setGemmKernel(initial);
  });

  it('checks its arrays: a velocity is needed with momentum', () => {
    const w = new Float64Array(10);
    expect(() => sgdUpdate(w, w.slice(), null, { lr: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false })).toThrow(/buffer must be a Float64Array when momentum > 0/);
    expect(() => sgdUpdate(w, new Float64Array(3), null, { lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false })).toThrow(/g has 3 values/);
  });
});

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

// Storage in the WebAssembly kernel's memory (kernelStorage): the kernel reads operands and writes
// products there in place, and the results are those of the TypeScript kernel.
import { describe, expect, it } from 'vitest';
import { Random, fromData, randn } from '@tensorgrad/core';
import { adamUpdate, axpy, gemmKernel, gemmKernelNames, sgdUpdate, type AdamCoefficients, type SgdCoefficients, inKernelMemory, kernelStorage, linear, mul, setGemmKernel, sum, toKernelMemory } from '@tensorgrad/ops';
import { tsGemm } from '../src/kernels/gemm-ts.js';
import { kernelArena, releaseKernelStorage } from '../src/kernels/arena.js';
import { createWasmGemm } from '../src/kernels/gemm-wasm.js';
import { wasmAvailable } from '../src/kernels/wasm-module.js';

const shared = wasmAvailable && typeof SharedArrayBuffer !== 'undefined';
const one = createWasmGemm({ name: 'storage-test-1t', minWork: 0, threadMinWork: Infinity });
const two = createWasmGemm({ name: 'storage-test-2t', minWork: 0, threadMinWork: 0, adaptive: false });
const rng = new Random(7);

/** A kernelStorage array of `length` filled with normal values. */
function inMemory(length: number): Float64Array {
  const x = kernelStorage(length);
  for (let i = 0; i < length; i++) x[i] = rng.normal();
  return x;
}

function relError(x: Float64Array, y: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

describe.runIf(shared)('kernelStorage', () => {
  it('hands out zero-filled arrays in the kernel memory; small ones are plain arrays', () => {
    const big = kernelStorage(5000);
    expect(big.length).toBe(5000);
    expect(inKernelMemory(big)).toBe(true);
    expect(big.every((v) => v === 0)).toBe(true);
    const small = kernelStorage(100);
    expect(inKernelMemory(small)).toBe(false);
    expect(inKernelMemory(new Float64Array(5000))).toBe(false);
    releaseKernelStorage(big);
  });

  it('a released block is reused, zero-filled again, and freeing the top lowers it', () => {
    const before = kernelArena().top;
    const a = inMemory(8192);
    const b = inMemory(4096);
    expect(a.byteOffset).toBeGreaterThanOrEqual(before);
    // Blocks never overlap, and are padded apart (not a multiple of 4 KiB away for 4-KiB-multiple sizes).
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 8 * 8192);
    expect((b.byteOffset - a.byteOffset) % 4096).not.toBe(0);
    const aAt = a.byteOffset;
    releaseKernelStorage(a);
    expect(kernelArena().free.some((blk) => blk.at === aAt)).toBe(true);
    const c = kernelStorage(8192);
    expect(c.byteOffset).toBe(aAt);
    expect(c.every((v) => v === 0)).toBe(true);
    releaseKernelStorage(b);
    releaseKernelStorage(c);
    expect(kernelArena().top).toBe(before);
    expect(kernelArena().free).toEqual([]);
  });

  for (const [name, kernel] of [['one thread', one], ['two threads', two]] as const) {
    it(`gemm reads operands and writes C in place, as the TS kernel computes (${name})`, () => {
      for (const [m, n, k] of [[67, 129, 65], [128, 96, 200], [1, 300, 17], [300, 1, 33]] as const) {
        for (const accumulate of [false, true]) {
          // A row-major, B read transposed (linear's Wᵀ), C in the kernel memory at an offset.
          const a = inMemory(m * k);
          const b = inMemory(n * k + 5);
          const c = inMemory(m * n + 9);
          const expected = Float64Array.from(c);
          tsGemm.gemm(m, n, k, a, 0, k, 1, b, 5, 1, k, expected, 9, accumulate);
          const before = c.slice(0, 9);
          kernel.gemm(m, n, k, a, 0, k, 1, b, 5, 1, k, c, 9, accumulate);
          expect(relError(c.subarray(9), expected.subarray(9))).toBeLessThan(1e-12);
          expect(c.slice(0, 9)).toEqual(before); // nothing written before C's offset
          for (const x of [a, b, c]) releaseKernelStorage(x);
        }
      }
    });
  }

  it('a C in the kernel memory that overlaps an operand is computed aside and copied (still correct)', () => {
    const m = 64;
    const buffer = inMemory(2 * m * m);
    const a = buffer.slice(0, m * m); // a copy: the reference reads the original values
    const expected = new Float64Array(m * m);
    tsGemm.gemm(m, m, m, a, 0, m, 1, buffer, m * m, m, 1, expected, 0, false);
    // C is the first half of the storage that B is the second half of, and A is C itself.
    one.gemm(m, m, m, buffer, 0, m, 1, buffer, m * m, m, 1, buffer, 0, false);
    expect(relError(buffer.subarray(0, m * m), expected)).toBeLessThan(1e-12);
    releaseKernelStorage(buffer);
  });

  it("linear's weight gradient lands in the kernel memory when the weight lives there, matching centered differences", () => {
    const [outF, inF] = [64, 80];
    const storage = inMemory(outF * inF);
    for (let i = 0; i < storage.length; i++) storage[i]! *= 0.1;
    const w = fromData(storage, [outF, inF], { requiresGrad: true });
    const x = randn([6, inF], { seed: 3 });
    const loss = (): ReturnType<typeof sum> => {
      const y = linear(x, w);
      return sum(mul(y, y));
    };
    loss().backward();
    expect(inKernelMemory(w.grad!.nd.data)).toBe(true);
    const kept = w.grad!.data;
    w.zeroGrad({ setToNone: false });
    loss().backward();
    expect(w.grad!.data).toBe(kept);
    for (const i of [0, 17, 2500, outF * inF - 1]) {
      const at = (h: number): number => {
        const values = Float64Array.from(w.data);
        values[i]! += h;
        const y = linear(x, fromData(values, [outF, inF]));
        return y.data.reduce((s, v) => s + v * v, 0);
      };
      const numerical = (at(1e-6) - at(-1e-6)) / 2e-6;
      expect(Math.abs(w.grad!.data[i]! - numerical)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(numerical)));
    }
  });
});

describe.runIf(shared)('toKernelMemory', () => {
  it('copies a large leaf into the kernel memory, keeping shape, name, requiresGrad and values', () => {
    const x = randn([40, 128], { seed: 5, requiresGrad: true, name: 'x' });
    const moved = toKernelMemory(x);
    expect(moved).not.toBe(x);
    expect(inKernelMemory(moved.nd.data)).toBe(true);
    expect(moved.shape).toEqual([40, 128]);
    expect(moved.name).toBe('x');
    expect(moved.requiresGrad).toBe(true);
    expect(Array.from(moved.data)).toEqual(Array.from(x.data));
    // Already there: the same tensor back.
    expect(toKernelMemory(moved)).toBe(moved);
    // A product reading it in place gives the same values as from the JS heap.
    const w = randn([16, 128], { seed: 6 });
    expect(relError(linear(moved, w).data, linear(x.detach(), w).data)).toBeLessThan(1e-12);
  });

  it('returns a small tensor as it is, and refuses a result of an op (a copy would cut its graph)', () => {
    const small = randn([3, 4], { seed: 1 });
    expect(toKernelMemory(small)).toBe(small);
    const y = mul(randn([64, 128], { seed: 2, requiresGrad: true }), 2);
    expect(() => toKernelMemory(y)).toThrow(/computed by an op/);
    expect(inKernelMemory(toKernelMemory(y.detach()).nd.data)).toBe(true);
  });
});

describe.runIf(shared)('kernel memory in a loop that drops its gradients (zeroGrad() to null)', () => {
  it('stays bounded: blocks of collected gradients return to the arena', async () => {
    // Each backward allocates a new 2 MiB weight gradient in the kernel memory and drops the last one.
    // Without telling V8 what the blocks hold, 400 steps grew the arena by 800 MiB.
    const storage = inMemory(512 * 512);
    for (let i = 0; i < storage.length; i++) storage[i]! *= 0.01;
    const w = fromData(storage, [512, 512], { requiresGrad: true });
    const x = randn([4, 512], { seed: 9 });
    const start = kernelArena().top;
    let peak = 0;
    for (let step = 0; step < 400; step++) {
      w.zeroGrad();
      sum(linear(x, w)).backward();
      // Finalization callbacks run between tasks, as they would between a real loop's awaits.
      if (step % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      peak = Math.max(peak, kernelArena().top - start);
    }
    expect(inKernelMemory(w.grad!.data)).toBe(true);
    expect(peak).toBeLessThan(300 * 2 ** 20);
  });
});

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

// Where ops put their outputs and gradients (newStorage): large ones in the kernel's memory under a
// kernel that has one (the arena's blocks are pages already in use; a fresh large Float64Array faults on
// every page), small ones and everything under the TypeScript kernel in plain arrays. Values are the
// same either way, and an op that relies on zero-filled storage gets it even from a reused block.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromData, randn, type Tensor } from '@tensorgrad/core';
import { add, clamp, exp, gemmKernel, gemmKernelNames, inKernelMemory, kernelStorage, mul, newStorage, newStorageUnfilled, relu, setGemmKernel, sigmoid, slice, softmax, where } from '@tensorgrad/ops';
import { kernelArena, releaseKernelStorage } from '../src/kernels/arena.js';
import { wasmAvailable } from '../src/kernels/wasm-module.js';

const shared = wasmAvailable && typeof SharedArrayBuffer !== 'undefined';
const MiB = 2 ** 20;
// The default kernel in Node when nothing is asked for: native where its addon is built, else wasm.
const defaultKernel = gemmKernelNames().includes('native') ? 'native' : 'wasm';
const ROWS = 200;
const COLS = 100; // 20,000 values: large (the arena keeps arrays of 4,096 values and more)

let previous = '';
beforeEach(() => {
  previous = gemmKernel().name;
});
afterEach(() => {
  setGemmKernel(previous);
});

function ones(shape: number[]): Tensor {
  return fromData(new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
}

/** A seed of distinct values, so that a gradient that passes it on is checked entry by entry. */
function seed(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromData(Float64Array.from({ length: n }, (_, i) => 1 + (i % 7) / 8), shape);
}

/** Hands `count` blocks of `length` values filled with NaN back to the arena: the next ones taken hold garbage. */
function dirtyArena(length: number, count = 8): void {
  const blocks = Array.from({ length: count }, () => kernelStorage(length).fill(NaN));
  for (const b of blocks) releaseKernelStorage(b);
}

describe.runIf(shared)('op outputs and gradients under the default kernel', () => {
  beforeEach(() => setGemmKernel(defaultKernel));

  it('newStorage is zero-filled even from a reused block; small lengths are plain arrays', () => {
    dirtyArena(5000);
    const big = newStorage(5000);
    expect(inKernelMemory(big)).toBe(true);
    expect(big.every((v) => v === 0)).toBe(true);
    expect(inKernelMemory(newStorageUnfilled(5000))).toBe(true);
    const small = newStorage(4095);
    expect(inKernelMemory(small)).toBe(false);
    expect(small.every((v) => v === 0)).toBe(true);
    expect(inKernelMemory(newStorageUnfilled(100))).toBe(false);
  });

  it('relu, sigmoid and exp: large outputs and input gradients live in the kernel memory, with the right values', () => {
    const cases: [(x: Tensor) => Tensor, (v: number) => number, (v: number) => number][] = [
      [relu, (v) => Math.max(v, 0), (v) => +(v > 0)],
      [sigmoid, (v) => 1 / (1 + Math.exp(-v)), (v) => Math.exp(-v) / (1 + Math.exp(-v)) ** 2],
      [exp, Math.exp, Math.exp],
    ];
    for (const [op, f, df] of cases) {
      dirtyArena(ROWS * COLS);
      const x = randn([ROWS, COLS], { seed: 3, requiresGrad: true });
      const y = op(x);
      expect(inKernelMemory(y.nd.data)).toBe(true);
      const g = seed([ROWS, COLS]);
      y.backward(g);
      const dx = x.grad!;
      expect(dx.shape).toEqual([ROWS, COLS]);
      expect(inKernelMemory(dx.nd.data)).toBe(true);
      const xd = x.data;
      for (let i = 0; i < xd.length; i += 97) {
        expect(y.data[i]).toBeCloseTo(f(xd[i]!), 14);
        expect(dx.data[i]).toBeCloseTo(g.data[i]! * df(xd[i]!), 13);
      }
    }
  });

  it('relu gives exact zeros for negative inputs in a reused block', () => {
    dirtyArena(ROWS * COLS);
    const x = fromData(Float64Array.from({ length: ROWS * COLS }, (_, i) => (i % 2 === 0 ? -1 - i : i)), [ROWS, COLS], { requiresGrad: true });
    const y = relu(x);
    y.backward(ones([ROWS, COLS]));
    expect(inKernelMemory(y.nd.data)).toBe(true);
    for (let i = 0; i < 10; i++) {
      expect(Object.is(y.data[i], i % 2 === 0 ? 0 : i)).toBe(true);
      expect(x.grad!.data[i]).toBe(i % 2 === 0 ? 0 : 1);
    }
  });

  it('add and mul: outputs and gradients in the kernel memory; a broadcast operand gets its summed gradient', () => {
    const a = randn([ROWS, COLS], { seed: 4, requiresGrad: true });
    const b = randn([ROWS, COLS], { seed: 5, requiresGrad: true });
    const bias = randn([COLS], { seed: 6, requiresGrad: true });
    const s = add(a, bias);
    const p = mul(s, b);
    expect(inKernelMemory(s.nd.data)).toBe(true);
    expect(inKernelMemory(p.nd.data)).toBe(true);
    const g = seed([ROWS, COLS]);
    p.backward(g);
    // d(p)/da = b·g, d(p)/db = (a + bias)·g, d(p)/dbias = Σ_rows b·g.
    expect(inKernelMemory(a.grad!.nd.data)).toBe(true);
    expect(inKernelMemory(b.grad!.nd.data)).toBe(true);
    expect(inKernelMemory(bias.grad!.nd.data)).toBe(false); // 100 values
    expect(bias.grad!.shape).toEqual([COLS]);
    for (let i = 0; i < ROWS * COLS; i += 89) {
      expect(a.grad!.data[i]).toBe(b.data[i]! * g.data[i]!);
      expect(b.grad!.data[i]).toBe((a.data[i]! + bias.data[i % COLS]!) * g.data[i]!);
    }
    for (const j of [0, 37, 99]) {
      let total = 0;
      for (let r = 0; r < ROWS; r++) total += b.data[r * COLS + j]! * g.data[r * COLS + j]!;
      expect(bias.grad!.data[j]).toBeCloseTo(total, 11);
    }
  });

  it('softmax: output and gradient in the kernel memory; rows sum to 1 and the gradient is p·(g - Σ p·g)', () => {
    dirtyArena(ROWS * COLS);
    const x = randn([ROWS, COLS], { seed: 7, requiresGrad: true });
    const p = softmax(x, -1);
    expect(inKernelMemory(p.nd.data)).toBe(true);
    const g = seed([ROWS, COLS]);
    p.backward(g);
    expect(inKernelMemory(x.grad!.nd.data)).toBe(true);
    for (const r of [0, 101, 199]) {
      let max = -Infinity;
      for (let j = 0; j < COLS; j++) max = Math.max(max, x.data[r * COLS + j]!);
      let z = 0;
      for (let j = 0; j < COLS; j++) z += Math.exp(x.data[r * COLS + j]! - max);
      let dot = 0;
      for (let j = 0; j < COLS; j++) dot += p.data[r * COLS + j]! * g.data[r * COLS + j]!;
      for (let j = 0; j < COLS; j += 9) {
        const k = r * COLS + j;
        expect(p.data[k]).toBeCloseTo(Math.exp(x.data[k]! - max) / z, 15);
        expect(x.grad!.data[k]).toBeCloseTo(p.data[k]! * (g.data[k]! - dot), 15);
      }
    }
  });

  it('gradients that are zero away from what an op picked stay zero in reused blocks (where, clamp, slice)', () => {
    const n = ROWS * COLS;
    const x = randn([ROWS, COLS], { seed: 8, requiresGrad: true });
    const y = randn([ROWS, COLS], { seed: 9, requiresGrad: true });
    const condition = fromData(Float64Array.from({ length: n }, (_, i) => i % 3 === 0 ? 1 : 0), [ROWS, COLS]);
    dirtyArena(n);
    where(condition, x, y).backward(ones([ROWS, COLS]));
    expect(inKernelMemory(x.grad!.nd.data)).toBe(true);
    for (let i = 0; i < 12; i++) {
      expect(x.grad!.data[i]).toBe(i % 3 === 0 ? 1 : 0);
      expect(y.grad!.data[i]).toBe(i % 3 === 0 ? 0 : 1);
    }
    expect(x.grad!.data.every((v) => v === 0 || v === 1)).toBe(true);

    x.grad = null;
    dirtyArena(n);
    clamp(x, -0.5, 0.5).backward(ones([ROWS, COLS]));
    expect(inKernelMemory(x.grad!.nd.data)).toBe(true);
    for (let i = 0; i < n; i++) {
      if (x.grad!.data[i] !== (Math.abs(x.data[i]!) <= 0.5 ? 1 : 0)) throw new Error(`clamp's gradient at ${i} is ${x.grad!.data[i]}`);
    }

    x.grad = null;
    dirtyArena(n);
    slice(x, [[10, 20]]).backward(ones([10, COLS]));
    expect(inKernelMemory(x.grad!.nd.data)).toBe(true);
    const dx = x.grad!.data;
    expect(dx.subarray(0, 10 * COLS).every((v) => v === 0)).toBe(true);
    expect(dx.subarray(10 * COLS, 20 * COLS).every((v) => v === 1)).toBe(true);
    expect(dx.subarray(20 * COLS).every((v) => v === 0)).toBe(true);
  });

  it("the engine's sum at a branch (x used twice) lands in the kernel memory, dirty blocks or not, with the exact sum", () => {
    setGemmKernel(defaultKernel);
    dirtyArena(ROWS * COLS);
    const x = randn([ROWS, COLS], { seed: 11, requiresGrad: true });
    // Two paths from x: relu(x) and sigmoid(x); x.grad is the engine's sum of the two gradients.
    add(relu(x), sigmoid(x)).backward(seed([ROWS, COLS]));
    const g = x.grad!.data;
    expect(inKernelMemory(g)).toBe(true);
    const xs = x.data;
    const s = seed([ROWS, COLS]).data;
    for (let i = 0; i < g.length; i++) {
      const v = xs[i]!;
      const sig = 1 / (1 + Math.exp(-v));
      const want = s[i]! * +(v > 0) + s[i]! * sig * (1 - sig);
      if (Math.abs(g[i]! - want) > 1e-15 * (1 + Math.abs(want))) expect.fail(`x.grad[${i}] = ${g[i]}, expected ${want}`);
    }
  });

  it('small outputs and gradients are plain arrays', () => {
    const x = randn([10, 10], { seed: 10, requiresGrad: true });
    const y = relu(x);
    y.backward(ones([10, 10]));
    expect(inKernelMemory(y.nd.data)).toBe(false);
    expect(inKernelMemory(x.grad!.nd.data)).toBe(false);
  });

  it('a loop of 2,000 relu forward and backward passes over [200, 100] keeps the arena bounded', () => {
    const x = randn([ROWS, COLS], { seed: 11, requiresGrad: true });
    const g = ones([ROWS, COLS]);
    relu(x).backward(g);
    const start = kernelArena().top;
    let last: Tensor | null = null;
    for (let i = 0; i < 2000; i++) {
      x.grad = null;
      last = relu(x);
      last.backward(g);
    }
    // 4,000 arrays of 160 KB were handed out (640 MB): dead ones came back instead of the top growing by each.
    expect(kernelArena().top - start).toBeLessThan(96 * MiB);
    expect(inKernelMemory(last!.nd.data)).toBe(true);
    expect(last!.data[5]).toBe(Math.max(x.data[5]!, 0));
  });
});

describe('op outputs under the TypeScript kernel', () => {
  it('are plain arrays, large or small', () => {
    setGemmKernel('ts');
    const x = randn([ROWS, COLS], { seed: 12, requiresGrad: true });
    const y = sigmoid(x);
    y.backward(ones([ROWS, COLS]));
    expect(inKernelMemory(y.nd.data)).toBe(false);
    expect(inKernelMemory(x.grad!.nd.data)).toBe(false);
    expect(newStorage(10_000).every((v) => v === 0)).toBe(true);
    expect(inKernelMemory(newStorageUnfilled(10_000))).toBe(false);
  });
});

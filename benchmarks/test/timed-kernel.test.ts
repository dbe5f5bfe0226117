// The benchmarks' own code: TimedKernel, the wrapper that times gemm, must forward the wrapped kernel's
// other entry points, or a timed run measures slower fallbacks than the default kernel runs.
import { describe, expect, it } from 'vitest';
import { gemmKernel, matmul, nativeKernelInfo, randn, setGemmKernel, wasmKernelInfo } from 'tensorgrad';
import { inKernelMemory } from 'tensorgrad/kernels';
import { TimedKernel, useKernel } from '../src/kernels.js';

const wasmAvailable = wasmKernelInfo().available;
const nativeAvailable = nativeKernelInfo().available;

describe('the timing wrapper keeps the wrapped kernel’s axpy', () => {
  // A TimedKernel that forwarded gemm only left axpy() without kernel.axpy, so SGD ran the JavaScript
  // loop: the overhead suite's profile (its "SGD step" row and its "outside gemm" share) timed a slower
  // SGD than the default kernel runs. Hence it forwards axpy (this.axpy = inner.axpy?.bind(inner)).
  it.runIf(wasmAvailable)('TimedKernel around wasm exposes axpy', () => {
    const timed = TimedKernel.around('wasm');
    expect(timed.inner.axpy).toBeTypeOf('function');
    expect((timed as { axpy?: unknown }).axpy).toBeTypeOf('function');
    // SGD's and Adam's updates go through sgdUpdate and adamUpdate: forwarded as well.
    expect((timed as { sgdUpdate?: unknown }).sgdUpdate).toBeTypeOf('function');
    expect((timed as { adamUpdate?: unknown }).adamUpdate).toBeTypeOf('function');
  });
});

describe('the timing wrapper keeps the wrapped kernel’s result allocation', () => {
  // The wasm and native kernels allocate a product's result in their memory (pages already in use); a
  // wrapper without allocate made every result a fresh Float64Array, so the overhead suite timed page
  // faults the untimed kernel never takes.
  const kernels = [...(wasmAvailable ? ['wasm'] : []), ...(nativeAvailable ? ['native'] : [])];
  it.runIf(kernels.length > 0).each(kernels)('a product under TimedKernel around %s lands in kernel memory, as without the wrapper', (name) => {
    const before = gemmKernel().name;
    // 128×96 results: above the size below which the arena hands out no storage.
    const a = randn([128, 32], { seed: 1 });
    const b = randn([32, 96], { seed: 2 });
    try {
      useKernel(name);
      const plain = matmul(a, b);
      expect(inKernelMemory(plain.data)).toBe(true);
      const timed = TimedKernel.around(name);
      timed.activate();
      const wrapped = matmul(a, b);
      expect(timed.calls).toBe(1);
      expect(inKernelMemory(wrapped.data)).toBe(true);
      expect(Array.from(wrapped.data)).toEqual(Array.from(plain.data));
    } finally {
      setGemmKernel(before);
    }
  });
});

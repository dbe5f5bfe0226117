// The benchmarks' own code: TimedKernel, the wrapper that times gemm, must forward the wrapped kernel's
// other entry points, or a timed run measures slower fallbacks than the default kernel runs.
import { describe, expect, it } from 'vitest';
import { wasmKernelInfo } from 'tensorgrad';
import { TimedKernel } from '../src/kernels.js';

const wasmAvailable = wasmKernelInfo().available;

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

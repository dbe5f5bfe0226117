import { gemmKernel, gemmKernelNames, setGemmKernel } from 'tensorgrad';
import { registerGemmKernel, type GemmKernel } from 'tensorgrad/kernels';

/** Name under which the timing wrapper registers itself (never benchmarked as a kernel of its own). */
const timedName = 'bench-timed';

/** The gemm kernels @tensorgrad/ops offers, in registration order. */
export function availableKernels(): string[] {
  return gemmKernelNames().filter((name) => name !== timedName);
}

/**
 * Whether a run times `kernel` beyond its headline cases (tuned loop, strided minibatches, kernel-memory
 * operands, per-call spread): a full run does for every kernel; a quick one, to stay short, only for the
 * default kernel and wasm (what a browser gets), whose rows the targets judge.
 */
export function timesVariants(kernel: string, defaultKernel: string, quick: boolean): boolean {
  return !quick || kernel === defaultKernel || kernel === 'wasm';
}

/** Makes `name` the kernel matmul uses (cheap when it already is: safe to call inside a timed case). */
export function useKernel(name: string): void {
  if (gemmKernel().name !== name) setGemmKernel(name);
}

/**
 * A GemmKernel that forwards to another and adds up the wall time spent inside it, so a training step's
 * time splits into matmul kernels and everything else (the engine, elementwise ops, allocation).
 */
export class TimedKernel implements GemmKernel {
  readonly name = timedName;
  seconds = 0;
  calls = 0;
  inner: GemmKernel;

  /**
   * The wrapped kernel's own result allocation and optimizer updates, untimed: without them results would
   * be fresh Float64Arrays instead of the kernel's memory, and SGD and Adam would run their JavaScript loops.
   */
  readonly allocate?: GemmKernel['allocate'];
  readonly axpy?: GemmKernel['axpy'];
  readonly sgdUpdate?: GemmKernel['sgdUpdate'];
  readonly adamUpdate?: GemmKernel['adamUpdate'];

  constructor(inner: GemmKernel) {
    this.inner = inner;
    this.allocate = inner.allocate?.bind(inner);
    this.axpy = inner.axpy?.bind(inner);
    this.sgdUpdate = inner.sgdUpdate?.bind(inner);
    this.adamUpdate = inner.adamUpdate?.bind(inner);
  }

  /** A wrapper around kernel `innerName` (not yet active). */
  static around(innerName: string): TimedKernel {
    useKernel(innerName);
    return new TimedKernel(gemmKernel());
  }

  /** Makes this wrapper the kernel matmul uses (re-registered, since another wrapper may hold the name). */
  activate(): void {
    if (gemmKernel() === this) return;
    registerGemmKernel(this);
    setGemmKernel(timedName);
  }

  gemm(...args: Parameters<GemmKernel['gemm']>): void {
    const start = performance.now();
    this.inner.gemm(...args);
    this.seconds += (performance.now() - start) / 1e3;
    this.calls++;
  }
}

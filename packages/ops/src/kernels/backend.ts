/**
 * The one small interface between ops and compute kernels. An operand is read through a row stride and
 * a column stride, so a transposed operand is the same storage with its strides swapped: no kernel ever
 * needs a copied transpose. A faster backend (WebAssembly, threads) replaces the TypeScript one here.
 */
export interface GemmKernel {
  readonly name: string;
  /**
   * C[m, n] = A[m, k] · B[k, n], or C += A·B when `accumulate`. Element (i, p) of A is
   * a[aOffset + i * aRowStride + p * aColStride]; likewise B. C is contiguous row-major from cOffset.
   */
  gemm(
    m: number,
    n: number,
    k: number,
    a: Float64Array,
    aOffset: number,
    aRowStride: number,
    aColStride: number,
    b: Float64Array,
    bOffset: number,
    bRowStride: number,
    bColStride: number,
    c: Float64Array,
    cOffset: number,
    accumulate: boolean,
  ): void;
}

const kernels = new Map<string, GemmKernel>();
let active: GemmKernel | null = null;

export function registerGemmKernel(kernel: GemmKernel): void {
  kernels.set(kernel.name, kernel);
}

/** Selects the kernel matmul uses by name ('ts' is the plain TypeScript fallback and test oracle). */
export function setGemmKernel(name: string): void {
  const kernel = kernels.get(name);
  if (kernel === undefined) throw new Error(`setGemmKernel: unknown kernel '${name}' (known: ${[...kernels.keys()].join(', ')})`);
  active = kernel;
}

export function gemmKernel(): GemmKernel {
  if (active === null) {
    const requested = typeof process !== 'undefined' ? process.env.TENSORGRAD_KERNEL : undefined;
    active = (requested !== undefined && kernels.get(requested)) || kernels.get('ts')!;
  }
  return active;
}

export function gemmKernelNames(): string[] {
  return [...kernels.keys()];
}

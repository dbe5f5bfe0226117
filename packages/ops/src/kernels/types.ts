/**
 * The one small interface between ops and compute kernels. An operand is read through a row stride and
 * a column stride, so a transposed operand is the same storage with its strides swapped: no kernel ever
 * needs a copied transpose. Besides the product, a kernel may bring its own memory for results and its
 * own loops for the optimizers' updates (SGD, Adam), which is why it is a backend rather than a gemm.
 *
 * Kernels: 'ts' (plain TypeScript: fallback and test oracle), 'wasm-st' (WebAssembly SIMD, one thread),
 * 'wasm' (WebAssembly SIMD plus a second thread for large products: the default where the native addon
 * did not load and WebAssembly SIMD is available) and 'native' (the addon, Node's default where it
 * loads). `TENSORGRAD_KERNEL=ts` or `setGemmKernel('ts')` selects another (backend.ts).
 */
export interface Backend {
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
    hints?: GemmHints,
  ): void;
  /**
   * Optional: storage for a product's result of `length` values, which the kernel then writes in full
   * (not zero-filled): where the kernel writes it best (the WebAssembly kernels: in their memory, so
   * that C is written in place). Default: a new Float64Array. See `productStorage`.
   */
  allocate?(length: number): Float64Array;
  /** Optional: y += alpha·x over y.length elements (x at least as long), as `axpy` in backend.ts. */
  axpy?(alpha: number, x: Float64Array, y: Float64Array): void;
  /** Optional: SGD's update of w (and its velocity) from g, as `sgdUpdate` in backend.ts. */
  sgdUpdate?(w: Float64Array, g: Float64Array, buffer: Float64Array | null, c: SgdCoefficients): void;
  /** Optional: Adam's update of w, m and v from g (all of w's length), as `adamUpdate` in backend.ts. */
  adamUpdate?(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients): void;
}

/** @deprecated The kernel interface's former name: use `Backend`. */
export type GemmKernel = Backend;

/**
 * Optional promises a caller can make about the operands, which a kernel may use to skip work. Every
 * kernel is free to ignore them.
 */
export interface GemmHints {
  /**
   * Names the present contents of A's storage (any object, compared by identity): a later call that
   * passes the same object for an operand over the same array promises the array is unchanged since.
   * `linear` passes one token for x in its forward and in its backward's dW = dyᵀ·x, so the WebAssembly
   * kernel copies x into its memory once per step rather than twice.
   */
  aToken?: object;
  /** The same for B. */
  bToken?: object;
}

/** SGD's hyper-parameters for one update (see sgdUpdate in backend.ts). */
export interface SgdCoefficients {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

/** One Adam step's coefficients (see adamUpdate in backend.ts). */
export interface AdamCoefficients {
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** sqrt(1 - beta2^t). */
  sqrtCorrection2: number;
  eps: number;
}

// Kernel plumbing, for code that tunes or replaces the matmul kernel: the kernel's memory (tensors whose
// storage the WebAssembly kernel reads in place), the optimizers' update loops, registering a kernel of
// your own. Choosing among the built-in kernels (setGemmKernel, gemmKernelNames, wasmKernelInfo) is in
// 'tensorgrad' itself.
export {
  registerGemmKernel, axpy, sgdUpdate, adamUpdate, type AdamCoefficients, type Backend, type GemmKernel,
  type SgdCoefficients, inKernelMemory, kernelStorage, toKernelMemory, storageLike,
} from '@tensorgrad/ops';

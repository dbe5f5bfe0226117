// Kernel plumbing, for code that tunes or replaces the matmul kernel: the kernel's memory (tensors whose
// storage the WebAssembly kernel reads in place), the optimizers' update loops, registering a kernel of
// your own, tuning the native kernel's helper thread. Choosing among the built-in kernels (setGemmKernel,
// gemmKernelNames, wasmKernelInfo, nativeKernelInfo) is in 'tensorgrad' itself.
export {
  registerGemmKernel, axpy, sgdUpdate, adamUpdate, type AdamCoefficients, type Backend, type GemmKernel,
  type SgdCoefficients, inKernelMemory, kernelStorage, toKernelMemory, storageLike, configureNativeKernel,
} from '@tensorgrad/ops';

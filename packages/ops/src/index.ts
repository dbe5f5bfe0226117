import './methods.js';
import { registerGemmKernel } from './kernels/backend.js';
import { tsGemm } from './kernels/gemm-ts.js';

registerGemmKernel(tsGemm);

export { add } from './binary/add.js';
export { mul } from './binary/mul.js';
export { exp } from './unary/exp.js';
export { relu } from './unary/relu.js';
export { sum } from './reduce/sum.js';
export { matmul } from './linalg/matmul.js';
export { reshape } from './shape/reshape.js';
export { transpose } from './shape/transpose.js';
export { broadcastTo } from './shape/broadcastTo.js';
export { unbroadcast, broadcastBinary } from './broadcast.js';
export { setGemmKernel, gemmKernel, gemmKernelNames, registerGemmKernel, type GemmKernel } from './kernels/backend.js';
export type { TensorLike } from './util.js';

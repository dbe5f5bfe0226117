import './methods.js';

// Unary elementwise
export { neg } from './unary/neg.js';
export { exp } from './unary/exp.js';
export { log } from './unary/log.js';
export { sqrt } from './unary/sqrt.js';
export { abs } from './unary/abs.js';
export { square } from './unary/square.js';
export { reciprocal } from './unary/reciprocal.js';
export { pow } from './unary/pow.js';
export { sigmoid } from './unary/sigmoid.js';
export { tanh } from './unary/tanh.js';
export { relu } from './unary/relu.js';
export { sin } from './unary/sin.js';
export { cos } from './unary/cos.js';
export { clamp } from './unary/clamp.js';
export { clone } from './unary/clone.js';
export { log1p } from './unary/log1p.js';
export { expm1 } from './unary/expm1.js';
export { softplus } from './unary/softplus.js';
export { logSigmoid } from './unary/logSigmoid.js';
export { leakyRelu } from './unary/leakyRelu.js';
export { gelu } from './unary/gelu.js';
// Binary elementwise, NumPy broadcasting
export { add } from './binary/add.js';
export { sub } from './binary/sub.js';
export { mul } from './binary/mul.js';
export { div } from './binary/div.js';
export { maximum } from './binary/maximum.js';
export { minimum } from './binary/minimum.js';
export { where } from './binary/where.js';
// Comparisons (1/0 masks outside the graph, like argmax)
export { greater } from './compare/greater.js';
export { greaterEqual } from './compare/greaterEqual.js';
export { less } from './compare/less.js';
export { lessEqual } from './compare/lessEqual.js';
export { equal } from './compare/equal.js';
export { notEqual } from './compare/notEqual.js';
// Reductions
export { sum } from './reduce/sum.js';
export { mean } from './reduce/mean.js';
export { max } from './reduce/max.js';
export { min } from './reduce/min.js';
export { argmax } from './reduce/argmax.js';
export { argmin } from './reduce/argmin.js';
export { logsumexp } from './reduce/logsumexp.js';
export { variance } from './reduce/variance.js';
export { std } from './reduce/std.js';
export { cumsum } from './reduce/cumsum.js';
// Linear algebra
export { matmul } from './linalg/matmul.js';
export { l2 } from './linalg/l2.js';
export { norm } from './linalg/norm.js';
export { linear } from './linalg/linear.js';
// Shape
export { reshape } from './shape/reshape.js';
export { transpose } from './shape/transpose.js';
export { broadcastTo } from './shape/broadcastTo.js';
export { expandDims } from './shape/expandDims.js';
export { squeeze } from './shape/squeeze.js';
export { slice, type SliceSpec } from './shape/slice.js';
export { concat } from './shape/concat.js';
export { stack } from './shape/stack.js';
export { flatten } from './shape/flatten.js';
export { gather, type Indices } from './shape/gather.js';
export { take } from './shape/take.js';
export { unsqueeze } from './shape/expandDims.js';
export { permute } from './shape/permute.js';
export { view } from './shape/view.js';
export { split } from './shape/split.js';
export { chunk } from './shape/chunk.js';
export { flip } from './shape/flip.js';
export { pad } from './shape/pad.js';
// Activations
export { softmax } from './activation/softmax.js';
export { logSoftmax } from './activation/logSoftmax.js';
export { layerNorm } from './activation/layerNorm.js';

export { unbroadcast, broadcastBinary, broadcastRows, type RowKernel } from './broadcast.js';
export { setGemmKernel, gemmKernel, gemmKernelNames, registerGemmKernel, axpy, sgdUpdate, adamUpdate, newStorage, newStorageUnfilled } from './kernels/backend.js';
export type { AdamCoefficients, Backend, GemmKernel, SgdCoefficients } from './kernels/types.js';
export { startKernelThreads, wasmKernelInfo } from './kernels/gemm-wasm.js';
export { nativeKernelInfo, configureNativeKernel } from './kernels/gemm-native.js';
export { inKernelMemory } from './kernels/wasm-module.js';
export { kernelStorage, toKernelMemory, storageLike } from './kernels/arena.js';
export type { TensorLike } from './util.js';
export { grad, valueAndGrad, vjp, type Cotangent } from './transforms.js';
export { gradcheck, GradcheckError, type GradcheckOptions, type GradcheckResult, type GradcheckWorst, type GradcheckSkipped } from './gradcheck.js';
export { gradgradcheck } from './gradgradcheck.js';
export { allclose, assertClose, NotCloseError, type CloseOptions, type CloseReport, type Comparable } from './testing.js';
export { hvp, hessian, jvp } from './higher-order.js';

// What a user of tensorgrad needs, from the three packages: tensors and autograd (@tensorgrad/core), the
// differentiable ops and function transforms (@tensorgrad/ops), layers, losses, optimizers and data
// (@tensorgrad/nn). Kernel plumbing (the kernel's memory, the optimizers' update loops, registering a
// kernel) is in 'tensorgrad/kernels'; helpers for writing ops and the engine's internals stay in the
// @tensorgrad/* packages. test/public-surface.test.ts pins this list: a new name here is a choice.

export {
  Tensor, fromData, fromNdarray, type NdFloat64, type TensorOptions, type ZeroGradOptions, tensor, zeros,
  ones, full, zerosLike, onesLike, arange, linspace, eye, rand, randn, type CreationOptions,
  type RandomOptions, type NestedArray, noGrad, enableGrad, isGradEnabled, detectAnomaly, isAnomalyEnabled,
  defineOp, registeredOps, type BackwardFn, gradients, type Seed, type GradientsOptions,
  type BackwardOptions, type BackwardStep, TensorgradError, ShapeError, ValueError, GraphError, InPlaceError,
  HigherOrderError, AnomalyError, type Shape, Random, manualSeed, savedMemory, type SavedMemoryReport,
  type SavedMemoryOptions, type SavedOp, type SavedScope,
} from '@tensorgrad/core';

export {
  neg, exp, log, sqrt, abs, square, reciprocal, pow, sigmoid, tanh, relu, sin, cos, clamp, clone, log1p,
  expm1, softplus, logSigmoid, leakyRelu, gelu, add, sub, mul, div, maximum, minimum, where, greater,
  greaterEqual, less, lessEqual, equal, notEqual, sum, mean, max, min, argmax, argmin, logsumexp, variance,
  std, matmul, l2, norm, linear, reshape, transpose, broadcastTo, expandDims, squeeze, slice, type SliceSpec,
  concat, stack, flatten, gather, type Indices, take, unsqueeze, permute, view, split, chunk, flip, pad, cumsum,
  softmax, logSoftmax, layerNorm, setGemmKernel, gemmKernel,
  gemmKernelNames, startKernelThreads, wasmKernelInfo, nativeKernelInfo, type TensorLike, grad, valueAndGrad, vjp,
  type Cotangent, gradcheck, GradcheckError, type GradcheckOptions, type GradcheckResult, type GradcheckWorst,
  type GradcheckSkipped, gradgradcheck, allclose, assertClose, NotCloseError, type CloseOptions, type CloseReport,
  type Comparable,
  hvp, hessian, jvp,
} from '@tensorgrad/ops';

export {
  Module, Sequential, type StateDict, Linear, type LinearOptions, ReLU, Sigmoid, Tanh, Dropout,
  LeakyReLU, GELU, type GELUOptions, Softplus, type SoftplusOptions, Flatten, Identity, Embedding, embedding,
  type EmbeddingOptions, type EmbeddingIndices, LayerNorm, type LayerNormOptions,
  type DropoutOptions, softmaxCrossEntropy, type LossOptions, type SoftmaxCrossEntropyOptions, type Reduction, svmLoss, type SvmLossOptions,
  mse, binaryCrossEntropyWithLogits, type BinaryCrossEntropyOptions, l2Regularization, type Labels, accuracy,
  predictClasses, Optimizer, type OptimizerStateDict, type ParamGroup, type ParamState, SGD, type SGDOptions,
  Adam, AdamW, type AdamOptions, RMSprop, type RMSpropOptions, LRScheduler, StepLR, CosineAnnealingLR,
  LinearLR, type SchedulerStateDict, type StepLROptions, type CosineAnnealingLROptions, type LinearLROptions,
  clipGradNorm, type ClipGradNormOptions, spiral, type SpiralOptions, type Dataset, DataLoader, minibatches,
  type DataLoaderOptions, type Batch, type BatchTargets, type Targets, encodeNpy, decodeNpy, saveWeights,
  loadWeights, saveWeightsToBytes, loadWeightsFromBytes, type WeightsManifest,
} from '@tensorgrad/nn';

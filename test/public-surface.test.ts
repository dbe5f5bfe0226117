// What 'tensorgrad' and 'tensorgrad/kernels' export, pinned: a name added to a package shows up here until
// it is placed, so the umbrella grows by choice. Every runtime export of @tensorgrad/core, ops and nn is
// exactly one of: in 'tensorgrad' (what a user needs), in 'tensorgrad/kernels' (kernel plumbing), or kept
// in its package only (helpers for writing ops, the engine's internals).
import { describe, expect, it } from 'vitest';
import * as core from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import * as nn from '@tensorgrad/nn';
import * as tg from 'tensorgrad';
import * as kernels from 'tensorgrad/kernels';

const UMBRELLA = {
  core: [
    'Tensor', 'tensor', 'zeros', 'ones', 'full', 'zerosLike', 'onesLike', 'arange', 'linspace', 'eye', 'rand', 'randn',
    'fromData', 'fromNdarray', 'Random', 'manualSeed',
    'noGrad', 'enableGrad', 'isGradEnabled', 'detectAnomaly', 'isAnomalyEnabled', 'gradients', 'defineOp', 'registeredOps',
    'TensorgradError', 'ShapeError', 'ValueError', 'GraphError', 'InPlaceError', 'HigherOrderError', 'AnomalyError',
    'savedMemory',
  ],
  ops: [
    'neg', 'exp', 'log', 'sqrt', 'abs', 'square', 'reciprocal', 'pow', 'sigmoid', 'tanh', 'relu', 'sin', 'cos', 'clamp', 'clone',
    'log1p', 'expm1', 'softplus', 'logSigmoid', 'leakyRelu', 'gelu',
    'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'where',
    'greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual',
    'sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'logsumexp', 'variance', 'std',
    'matmul', 'l2', 'norm', 'linear',
    'reshape', 'transpose', 'broadcastTo', 'expandDims', 'squeeze', 'slice', 'concat', 'stack', 'flatten', 'gather', 'take',
    'unsqueeze', 'permute', 'view', 'split', 'chunk', 'flip', 'pad', 'cumsum',
    'softmax', 'logSoftmax', 'layerNorm',
    'grad', 'valueAndGrad', 'vjp', 'jvp', 'hvp', 'hessian', 'gradcheck', 'gradgradcheck', 'GradcheckError',
    'allclose', 'assertClose', 'NotCloseError',
    // Choosing among the built-in kernels, like tfjs's setBackend.
    'setGemmKernel', 'gemmKernel', 'gemmKernelNames', 'startKernelThreads', 'wasmKernelInfo', 'nativeKernelInfo',
  ],
  nn: [
    'Module', 'Sequential', 'Linear', 'ReLU', 'Sigmoid', 'Tanh', 'Dropout',
    'LeakyReLU', 'GELU', 'Softplus', 'Flatten', 'Identity', 'LayerNorm', 'Embedding', 'embedding',
    'softmaxCrossEntropy', 'svmLoss', 'mse', 'binaryCrossEntropyWithLogits', 'l2Regularization', 'accuracy', 'predictClasses',
    'Optimizer', 'SGD', 'Adam', 'AdamW', 'RMSprop', 'clipGradNorm', 'LRScheduler', 'StepLR', 'CosineAnnealingLR', 'LinearLR',
    'spiral', 'DataLoader', 'minibatches', 'encodeNpy', 'decodeNpy',
    'saveWeights', 'loadWeights', 'saveWeightsToBytes', 'loadWeightsFromBytes',
  ],
};

const KERNELS = {
  ops: ['toKernelMemory', 'inKernelMemory', 'kernelStorage', 'storageLike', 'axpy', 'sgdUpdate', 'adamUpdate', 'registerGemmKernel', 'configureNativeKernel'],
};

/** Exported by the package, not by the umbrella. */
const PACKAGE_ONLY = {
  core: [
    // the graph and the engine's bookkeeping
    'record', 'topologicalOrder', 'dependencies', 'toSeed', 'PendingGradient', 'setEngineStorage', 'withScope', 'currentScope', 'scopeParent',
    // views and storage
    'StridedView', 'stridedView', 'viewOf', 'isContiguousView', 'contiguousData', 'scatterInto', 'describeTensor', 'TENSOR_OPTIONS',
    // shapes, argument checks and messages, for writing ops
    'sizeOf', 'formatShape', 'shapesEqual', 'contiguousStrides', 'checkShape', 'checkSize', 'broadcastAxis', 'broadcastShapes',
    'normalizeAxis', 'normalizeAxes', 'MAX_SIZE', 'MAX_NDIM', 'checkOptions', 'closestOption', 'describeValue', 'isForeignTensor', 'checkFunction',
    'checkSeed', 'randomFor', 'formatTensor', 'pairwiseSum',
  ],
  ops: ['unbroadcast', 'broadcastBinary', 'broadcastRows', 'newStorage', 'newStorageUnfilled'],
  nn: ['checkLabels', 'MANIFEST_FILE'],
};

const packages = { core, ops, nn } as const;
type Name = keyof typeof packages;
const sorted = (names: readonly string[]): string[] => [...names].sort();

describe("the names exported by 'tensorgrad'", () => {
  it('are the pinned list, each the very same value as in its package', () => {
    expect(sorted(Object.keys(tg))).toEqual(sorted(Object.values(UMBRELLA).flat()));
    for (const [pkg, names] of Object.entries(UMBRELLA) as [Name, string[]][]) {
      for (const name of names) expect((tg as Record<string, unknown>)[name], name).toBe((packages[pkg] as Record<string, unknown>)[name]);
    }
  });

  it("'tensorgrad/kernels' is the pinned list of kernel plumbing, the very same values as in @tensorgrad/ops", () => {
    expect(sorted(Object.keys(kernels))).toEqual(sorted(KERNELS.ops));
    for (const name of KERNELS.ops) expect((kernels as Record<string, unknown>)[name], name).toBe((ops as Record<string, unknown>)[name]);
  });

  it('every export of @tensorgrad/core, ops and nn is placed exactly once', () => {
    const unplaced: string[] = [];
    const twice: string[] = [];
    for (const [pkg, module] of Object.entries(packages) as [Name, object][]) {
      for (const name of Object.keys(module)) {
        const places = [UMBRELLA[pkg], pkg === 'ops' ? KERNELS.ops : [], PACKAGE_ONLY[pkg]].filter((list) => list.includes(name)).length;
        if (places === 0) unplaced.push(`@tensorgrad/${pkg}: ${name}`);
        if (places > 1) twice.push(`@tensorgrad/${pkg}: ${name}`);
      }
    }
    // A name here is new: export it from packages/tensorgrad/src/index.ts (and list it in UMBRELLA) if a user
    // needs it, from kernels.ts (KERNELS) if it is kernel plumbing, else list it in PACKAGE_ONLY.
    expect(unplaced).toEqual([]);
    expect(twice).toEqual([]);
  });

  it('every registered op is exported under its name', () => {
    const ops = core.registeredOps();
    expect(ops.length).toBeGreaterThan(50);
    expect(ops.filter((name) => typeof (tg as Record<string, unknown>)[name] !== 'function')).toEqual([]);
  });
});

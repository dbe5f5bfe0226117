export { StridedView, stridedView } from './view.js';
export { Tensor, fromData, fromNdarray, viewOf, isContiguousView, describeTensor, TENSOR_OPTIONS, contiguousData, scatterInto, type StridedLayout, type NdFloat64, type TensorOptions, type VersionCounter, type ZeroGradOptions } from './tensor.js';
export {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  type CreationOptions,
  type RandomOptions,
  type NestedArray,
} from './creation.js';
export { noGrad, enableGrad, isGradEnabled, detectAnomaly, isAnomalyEnabled, withScope, currentScope, scopeParent } from './modes.js';
export { savedMemory, type SavedMemoryReport, type SavedMemoryOptions, type SavedOp, type SavedScope } from './saved-memory.js';
export { record, defineOp, registeredOps, topologicalOrder, type BackwardFn, type GraphNode } from './graph.js';
export { gradients, dependencies, toSeed, type Seed, type GradientsOptions, type BackwardOptions, type BackwardStep } from './engine.js';
export { PendingGradient, setEngineStorage } from './accumulate.js';
export { TensorgradError, ShapeError, ValueError, GraphError, InPlaceError, HigherOrderError, AnomalyError, describeValue, isForeignTensor, checkFunction } from './errors.js';
export {
  type Shape,
  sizeOf,
  formatShape,
  shapesEqual,
  contiguousStrides,
  checkShape,
  checkSize,
  broadcastAxis,
  MAX_SIZE,
  MAX_NDIM,
  broadcastShapes,
  normalizeAxis,
  normalizeAxes,
} from './shape.js';
export { Random, manualSeed, randomFor, checkSeed } from './random.js';
export { formatTensor } from './format.js';
export { pairwiseSum } from './summation.js';
export { checkOptions, closestOption, type OptionKind, type OptionSpec } from './options.js';

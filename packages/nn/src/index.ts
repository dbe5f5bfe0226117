export { Module, Sequential, type StateDict } from './module.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { ReLU, Sigmoid, Tanh, LeakyReLU, GELU, Softplus, type GELUOptions, type SoftplusOptions } from './layers/activation.js';
export { Flatten, Identity } from './layers/flatten.js';
export { LayerNorm, type LayerNormOptions } from './layers/layerNorm.js';
export { Embedding, embedding, type EmbeddingOptions, type EmbeddingIndices } from './layers/embedding.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { softmaxCrossEntropy, type LossOptions, type SoftmaxCrossEntropyOptions } from './losses/softmaxCrossEntropy.js';
export { type Reduction } from './losses/reduction.js';
export { svmLoss, type SvmLossOptions } from './losses/svmLoss.js';
export { mse } from './losses/mse.js';
export { binaryCrossEntropyWithLogits, type BinaryCrossEntropyOptions } from './losses/binaryCrossEntropyWithLogits.js';
export { l2Regularization } from './losses/regularization.js';
export { checkLabels, type Labels } from './losses/labels.js';
export { accuracy, predictClasses } from './metrics.js';
export { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamState } from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, AdamW, type AdamOptions } from './optim/adam.js';
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js';
export { LRScheduler, StepLR, CosineAnnealingLR, LinearLR, type SchedulerStateDict, type StepLROptions, type CosineAnnealingLROptions, type LinearLROptions } from './optim/scheduler.js';
export { clipGradNorm, type ClipGradNormOptions } from './optim/clipGradNorm.js';
export { spiral, type SpiralOptions, type Dataset } from './data/spiral.js';
export { DataLoader, minibatches, type DataLoaderOptions, type Batch, type BatchTargets, type Targets } from './data/loader.js';
export { encodeNpy, decodeNpy } from './io/npy.js';
// Folders of weights need Node: '#weights-files' (package.json's imports) is io/weights.ts under the
// 'node' condition and io/weights-portable.ts (refusals) elsewhere, so a browser bundle has no node:fs.
export { saveWeights, loadWeights } from '#weights-files';
export { saveWeightsToBytes, loadWeightsFromBytes } from './io/weights-bytes.js';
export { MANIFEST_FILE, type WeightsManifest } from './io/checkpoint.js';

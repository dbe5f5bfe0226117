import { ShapeError, Tensor, ValueError, defineOp, describeValue, formatShape, fromData, record, shapesEqual } from '@tensorgrad/core';
import { checkReduction, lossOptions, perSampleGradient, perSampleRecorded, reduce } from './reduction.js';
import type { LossOptions } from './softmaxCrossEntropy.js';
import { mul, neg, newStorageUnfilled, sub } from '@tensorgrad/ops';

/**
 * Mean squared error over every element: L = (1/n) Σ (input - target)². The shapes must match exactly:
 * a silently broadcast target is a classic regression bug ([N] against [N, 1] gives an [N, N] loss).
 * `{ reduction: 'sum' }` drops the 1/n; `'none'` returns the squared errors, shaped like the input.
 *
 * Fused rather than the composite mean(square(sub(input, target))) (which stays its test oracle): one
 * graph node, so diagrams and transcripts show one mse gate as for softmaxCrossEntropy, and forward +
 * backward are faster (one pass, no intermediate tensors; figures in packages/ops/KERNELS.md,
 * Measured). The sum is pairwise, as the composite's mean.
 */
export const mse = defineOp('mse', (input: Tensor, target: Tensor, options: LossOptions = {}): Tensor => {
  const op = 'mse';
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new ValueError(op, `input and target must be Tensors, got ${describeValue(input)} and ${describeValue(target)}`);
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(op, `input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  const reduction = checkReduction(op, lossOptions(op, options).reduction);
  const n = input.size;
  if (n === 0) throw new ShapeError(op, `input of shape ${formatShape(input.shape)} is empty: the mean is undefined`);
  const a = input.data;
  const b = target.data;
  const diff = newStorageUnfilled(n);
  const squares = newStorageUnfilled(n);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    diff[i] = d;
    squares[i] = d * d;
  }
  return record(op, [input, target], reduce(squares, reduction, input.shape), (dy) => {
    // dL/dinput = 2 (input - target) · g (g = dy/n for the mean); the target gets the negative.
    const g = perSampleGradient(dy, reduction, n);
    const dInput = newStorageUnfilled(n);
    for (let i = 0; i < n; i++) dInput[i] = 2 * diff[i]! * g[i]!;
    const dTarget = target.requiresGrad ? fromData(dInput.map((v) => -v), target.shape) : null;
    return [fromData(dInput, input.shape), dTarget];
    // diff is what the rule keeps alive: listed as saved, so savedMemory counts it.
  }, [fromData(diff, input.shape)], (dy) => {
    const dInput = mul(mul(sub(input, target), 2), perSampleRecorded(dy, reduction, n, input.shape));
    return [dInput, target.requiresGrad ? neg(dInput) : null];
    // The recorded rule reads input and target (the first-order rule their difference): checked under createGraph.
  }, [input, target]);
});

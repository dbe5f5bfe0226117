import { defineOp, type Tensor } from '@tensorgrad/core';
import { type TensorLike } from '../util.js';
import { withOpName } from '../composite.js';
import { sqrt } from '../unary/sqrt.js';
import { variance } from './variance.js';

/**
 * Standard deviation, sqrt(variance(x, axis, keepDims, correction)); the same default correction = 0
 * (NumPy, JAX, TF.js; PyTorch's `std` uses 1). Where the deviation is 0 (a constant lane) the
 * gradient is NaN, as sqrt's at 0 — as in PyTorch; add a small epsilon to the variance if that matters.
 */
export const std = defineOp('std', (a: TensorLike, axis?: number | readonly number[] | null, keepDims?: boolean, correction: number = 0): Tensor =>
  withOpName('std', () => sqrt(variance(a, axis, keepDims, correction))),
);

import { defineOp, type Tensor } from '@tensorgrad/core';
import type { RowKernel } from '../broadcast.js';
import type { TensorLike } from '../util.js';
import { compare } from './compare.js';

const row: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = +(x[xo + j * xs]! !== y[yo + j * ys]!);
};

/**
 * 1 where a ≠ b, 0 elsewhere; 1 where either is NaN (NaN equals nothing). NumPy's `not_equal`, PyTorch's `ne` (also the method `x.ne(y)`);
 * NumPy broadcasting. Outside the graph, as argmax: the result never requires grad.
 */
export const notEqual = defineOp('notEqual', (a: TensorLike, b: TensorLike): Tensor => compare('notEqual', a, b, row));

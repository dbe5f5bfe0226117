import { defineOp, type Tensor } from '@tensorgrad/core';
import type { RowKernel } from '../broadcast.js';
import type { TensorLike } from '../util.js';
import { compare } from './compare.js';

const row: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = +(x[xo + j * xs]! >= y[yo + j * ys]!);
};

/**
 * 1 where a ≥ b, 0 elsewhere; 0 where either is NaN. NumPy's `greater_equal`, PyTorch's `ge` (also the method `x.ge(y)`);
 * NumPy broadcasting. Outside the graph, as argmax: the result never requires grad.
 */
export const greaterEqual = defineOp('greaterEqual', (a: TensorLike, b: TensorLike): Tensor => compare('greaterEqual', a, b, row));

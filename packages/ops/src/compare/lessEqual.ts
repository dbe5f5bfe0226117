import { defineOp, type Tensor } from '@tensorgrad/core';
import type { RowKernel } from '../broadcast.js';
import type { TensorLike } from '../util.js';
import { compare } from './compare.js';

const row: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = +(x[xo + j * xs]! <= y[yo + j * ys]!);
};

/**
 * 1 where a ≤ b, 0 elsewhere; 0 where either is NaN. NumPy's `less_equal`, PyTorch's `le` (also the method `x.le(y)`);
 * NumPy broadcasting. Outside the graph, as argmax: the result never requires grad.
 */
export const lessEqual = defineOp('lessEqual', (a: TensorLike, b: TensorLike): Tensor => compare('lessEqual', a, b, row));

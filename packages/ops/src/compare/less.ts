import { defineOp, type Tensor } from '@tensorgrad/core';
import type { RowKernel } from '../broadcast.js';
import type { TensorLike } from '../util.js';
import { compare } from './compare.js';

const row: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = +(x[xo + j * xs]! < y[yo + j * ys]!);
};

/**
 * 1 where a < b, 0 elsewhere; 0 where either is NaN. NumPy's `less`, PyTorch's `lt` (also the method `x.lt(y)`);
 * NumPy broadcasting. Outside the graph, as argmax: the result never requires grad.
 */
export const less = defineOp('less', (a: TensorLike, b: TensorLike): Tensor => compare('less', a, b, row));

import { broadcastShapes, defineOp, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { maximum } from './maximum.js';
import { neg } from '../unary/neg.js';

/**
 * Elementwise min(a, b) with NumPy broadcasting, as -max(-a, -b) (negation is exact). The gradient
 * routes to the smaller input; at a tie it is split equally, half to each, as for maximum.
 */
export const minimum = defineOp('minimum', (a: TensorLike, b: TensorLike): Tensor => {
  const x = asTensor(a, 'minimum');
  const y = asTensor(b, 'minimum');
  broadcastShapes('minimum', x.shape, y.shape); // so that a mismatch names this op
  return neg(maximum(neg(x), neg(y)));
});

import { defineOp, record, type Tensor } from '@tensorgrad/core';
import { broadcastRows, unbroadcast, type RowKernel } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';
import { neg } from '../unary/neg.js';

const subRow: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = x[xo + j * xs]! - y[yo + j * ys]!;
};

/**
 * a - b with NumPy broadcasting; either operand may be a number. Its own op rather than a + (-b): one
 * pass and one allocation instead of two (logSoftmax and every loss subtract), and broadcast errors
 * then name 'sub'.
 */
export const sub = defineOp('sub', (a: TensorLike, b: TensorLike): Tensor => {
  const x = asTensor(a, 'sub');
  const y = asTensor(b, 'sub');
  // d(a-b) = da - db.
  // The rule is built from unbroadcast and neg, so it is its own recorded rule.
  const rule = (dy: Tensor): (Tensor | null)[] => [x.requiresGrad ? unbroadcast(dy, x.shape) : null, y.requiresGrad ? unbroadcast(neg(dy), y.shape) : null];
  return record('sub', [x, y], broadcastRows('sub', x, y, subRow), rule, [], rule);
});

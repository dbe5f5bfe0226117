import { defineOp, record, type Tensor } from '@tensorgrad/core';
import { broadcastRows, unbroadcast, type RowKernel } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';

const addRow: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = x[xo + j * xs]! + y[yo + j * ys]!;
};

/** a + b with NumPy broadcasting; either operand may be a number. */
export const add = defineOp('add', (a: TensorLike, b: TensorLike): Tensor => {
  const x = asTensor(a, 'add');
  const y = asTensor(b, 'add');
  // d(a+b) = da + db: the add gate distributes the upstream gradient unchanged (summed over broadcast axes).
  // The rule is built from unbroadcast alone, so it is its own recorded rule.
  const rule = (dy: Tensor): (Tensor | null)[] => [x.requiresGrad ? unbroadcast(dy, x.shape) : null, y.requiresGrad ? unbroadcast(dy, y.shape) : null];
  return record('add', [x, y], broadcastRows('add', x, y, addRow), rule, [], rule);
});

import { defineOp, record, type Tensor } from '@tensorgrad/core';
import { broadcastRows, unbroadcast, type RowKernel } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';

export const mulRow: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = x[xo + j * xs]! * y[yo + j * ys]!;
};

/** a * b (elementwise) with NumPy broadcasting; either operand may be a number. */
export const mul = defineOp('mul', (a: TensorLike, b: TensorLike): Tensor => {
  const x = asTensor(a, 'mul');
  const y = asTensor(b, 'mul');
  // d(a*b) = da*b + a*db: the mul gate switches, each input gets upstream x the other input.
  // (0 * 0 gives both inputs a zero gradient.)
  return record(
    'mul',
    [x, y],
    broadcastRows('mul', x, y, mulRow),
    (dy) => [
      x.requiresGrad ? unbroadcast(broadcastRows('mul', dy, y, mulRow), x.shape) : null,
      y.requiresGrad ? unbroadcast(broadcastRows('mul', dy, x, mulRow), y.shape) : null,
    ],
    [x, y],
    (dy) => [x.requiresGrad ? unbroadcast(mul(dy, y), x.shape) : null, y.requiresGrad ? unbroadcast(mul(dy, x), y.shape) : null],
  );
});

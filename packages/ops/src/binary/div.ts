import { defineOp, record, type Tensor } from '@tensorgrad/core';
import { broadcastRows, unbroadcast, type RowKernel } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from './mul.js';
import { neg } from '../unary/neg.js';

const divRow: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = x[xo + j * xs]! / y[yo + j * ys]!;
};

/**
 * a / b with NumPy broadcasting; either operand may be a number. Its own op rather than a * (1/b):
 * the quotient is then the correctly rounded IEEE one (6 / 3 is exactly 2), as in NumPy.
 */
export const div = defineOp('div', (a: TensorLike, b: TensorLike): Tensor => {
  const x = asTensor(a, 'div');
  const y = asTensor(b, 'div');
  const q = broadcastRows('div', x, y, divRow);
  // d(a/b) = da/b - (a/b) db/b: da = dy / b, db = -dy * q / b.
  return record(
    'div',
    [x, y],
    q,
    (dy) => {
      const dyOverB = broadcastRows('div', dy, y, divRow);
      return [
        x.requiresGrad ? unbroadcast(dyOverB, x.shape) : null,
        y.requiresGrad ? unbroadcast(negTimes(dyOverB, q), y.shape) : null,
      ];
    },
    [y, q],
    (dy) => {
      const dyOverB = div(dy, y);
      return [x.requiresGrad ? unbroadcast(dyOverB, x.shape) : null, y.requiresGrad ? unbroadcast(neg(mul(dyOverB, q)), y.shape) : null];
    },
  );
});

function negTimes(a: Tensor, b: Tensor): Tensor {
  return broadcastRows('div', a, b, (o, oo, x, xo, xs, y, yo, ys, n) => {
    for (let j = 0; j < n; j++) o[oo + j] = -x[xo + j * xs]! * y[yo + j * ys]!;
  });
}

import { defineOp, record, type Tensor } from '@tensorgrad/core';
import { broadcastBinary, unbroadcast } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';

/** a * b (elementwise) with broadcasting. */
export const mul = defineOp('mul', (a: TensorLike, b: TensorLike): Tensor => {
  const x = asTensor(a, 'mul');
  const y = asTensor(b, 'mul');
  const times = (p: number, q: number): number => p * q;
  // d(a*b) = da*b + a*db: the mul gate switches, each input gets upstream x the other input.
  return record(
    'mul',
    [x, y],
    broadcastBinary('mul', x, y, times),
    (dy) => [
      x.requiresGrad ? unbroadcast(broadcastBinary('mul', dy, y, times), x.shape) : null,
      y.requiresGrad ? unbroadcast(broadcastBinary('mul', dy, x, times), y.shape) : null,
    ],
    [x, y],
  );
});

import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { square } from './square.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** Hyperbolic tangent. */
export const tanh = defineOp('tanh', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'tanh');
  checkSize('tanh', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.tanh(d[i]!);
  const y = fromData(o, x.shape);
  // d(tanh x) = (1 - tanh² x) dx: reuse the output.
  return record(
    'tanh',
    [x],
    y,
    (dy) => {
      const g = dy.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! * (1 - o[i]! * o[i]!);
      return [fromData(dx, x.shape)];
    },
    [y],
    (dy) => [mul(dy, sub(1, square(y)))],
  );
});

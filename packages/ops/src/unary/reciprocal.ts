import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { neg } from './neg.js';
import { square } from './square.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** 1 / x (±Infinity at ±0). */
export const reciprocal = defineOp('reciprocal', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'reciprocal');
  checkSize('reciprocal', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = 1 / d[i]!;
  const y = fromData(o, x.shape);
  // d(1/x) = -dx / x² = -y² dx: reuse the output (the lecture's "1/x" gate).
  return record(
    'reciprocal',
    [x],
    y,
    (dy) => {
      const g = dy.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = -g[i]! * o[i]! * o[i]!;
      return [fromData(dx, x.shape)];
    },
    [y],
    (dy) => [neg(mul(dy, square(y)))],
  );
});

import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { neg } from './neg.js';
import { sin } from './sin.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** cos x (radians). */
export const cos = defineOp('cos', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'cos');
  checkSize('cos', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.cos(d[i]!);
  // d(cos x) = -sin x dx.
  return record(
    'cos',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = -g[i]! * Math.sin(xd[i]!);
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [neg(mul(dy, sin(x)))],
  );
});

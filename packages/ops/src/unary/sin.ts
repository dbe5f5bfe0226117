import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { cos } from './cos.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** sin x (radians). */
export const sin = defineOp('sin', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'sin');
  checkSize('sin', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.sin(d[i]!);
  // d(sin x) = cos x dx.
  return record(
    'sin',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! * Math.cos(xd[i]!);
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [mul(dy, cos(x))],
  );
});

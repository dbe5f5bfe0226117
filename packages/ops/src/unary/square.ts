import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** x². */
export const square = defineOp('square', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'square');
  checkSize('square', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = d[i]! * d[i]!;
  // d(x²) = 2x dx.
  return record(
    'square',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = 2 * xd[i]! * g[i]!;
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [mul(dy, mul(x, 2))],
  );
});

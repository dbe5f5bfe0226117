import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { add } from '../binary/add.js';
import { div } from '../binary/div.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** log(1 + x), exact for small x where log(add(1, x)) loses the digits of x that 1 + x rounds away. */
export const log1p = defineOp('log1p', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'log1p');
  checkSize('log1p', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.log1p(d[i]!);
  // d log(1 + x) = dx / (1 + x).
  return record(
    'log1p',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! / (1 + xd[i]!);
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [div(dy, add(x, 1))],
  );
});

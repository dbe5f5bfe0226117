import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { div } from '../binary/div.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** Natural logarithm (NaN below 0, -Infinity at 0, as Math.log). */
export const log = defineOp('log', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'log');
  checkSize('log', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.log(d[i]!);
  // d(ln x) = dx / x.
  return record(
    'log',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! / xd[i]!;
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [div(dy, x)],
  );
});

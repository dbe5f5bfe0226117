import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { add } from '../binary/add.js';
import { mul } from '../binary/mul.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** e^x - 1, exact for small x where sub(exp(x), 1) cancels to the rounding error of e^x. */
export const expm1 = defineOp('expm1', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'expm1');
  checkSize('expm1', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.expm1(d[i]!);
  const y = fromData(o, x.shape);
  // d(e^x - 1) = e^x dx = (y + 1) dx: reuse the output.
  return record(
    'expm1',
    [x],
    y,
    (dy) => {
      const g = dy.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! * (o[i]! + 1);
      return [fromData(dx, x.shape)];
    },
    [y],
    (dy) => [mul(dy, add(y, 1))],
  );
});

import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** e^x. */
export const exp = defineOp('exp', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'exp');
  checkSize('exp', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.exp(d[i]!);
  const y = fromData(o, x.shape);
  // d(e^x) = e^x dx: reuse the output.
  return record(
    'exp',
    [x],
    y,
    (dy) => {
      const g = dy.data;
      const dx = newStorageUnfilled(o.length);
      for (let i = 0; i < o.length; i++) dx[i] = g[i]! * o[i]!;
      return [fromData(dx, x.shape)];
    },
    [y],
    (dy) => [mul(dy, y)],
  );
});

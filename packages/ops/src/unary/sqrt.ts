import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { div } from '../binary/div.js';
import { mul } from '../binary/mul.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** Square root (NaN below 0). */
export const sqrt = defineOp('sqrt', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'sqrt');
  checkSize('sqrt', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.sqrt(d[i]!);
  const y = fromData(o, x.shape);
  // d(sqrt x) = dx / (2 sqrt x): reuse the output. At x = 0 the slope is +Infinity, as in PyTorch
  // (use norm() for a length whose gradient at 0 must be 0).
  return record(
    'sqrt',
    [x],
    y,
    (dy) => {
      const g = dy.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! / (2 * o[i]!);
      return [fromData(dx, x.shape)];
    },
    [y],
    (dy) => [div(dy, mul(y, 2))],
  );
});

import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { newStorageUnfilled } from '../kernels/backend.js';

function negate(x: Tensor): Tensor {
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = -d[i]!;
  return fromData(o, x.shape);
}

/** -x. */
export const neg = defineOp('neg', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'neg');
  checkSize('neg', x.shape);
  // d(-x) = -dx.
  return record('neg', [x], negate(x), (dy) => [negate(dy)], [], (dy) => [neg(dy)]);
});

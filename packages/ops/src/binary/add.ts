import { defineOp, record, type Tensor } from '@tensorgrad/core';
import { broadcastBinary, unbroadcast } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';

/** a + b with broadcasting. */
export const add = defineOp('add', (a: TensorLike, b: TensorLike): Tensor => {
  const x = asTensor(a, 'add');
  const y = asTensor(b, 'add');
  // d(a+b) = da + db: the add gate distributes the upstream gradient unchanged.
  return record('add', [x, y], broadcastBinary('add', x, y, (p, q) => p + q), (dy) => [unbroadcast(dy, x.shape), unbroadcast(dy, y.shape)]);
});

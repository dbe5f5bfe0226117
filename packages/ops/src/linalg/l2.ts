import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { pairwiseSumOfSquares } from '../reduce/pairwise.js';
import { mul } from '../binary/mul.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** The squared Euclidean norm Σ x² over every entry: the lecture's "L2" node, a 0-d tensor. */
export const l2 = defineOp('l2', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'l2');
  checkSize('l2', x.shape);
  const d = x.data;
  const s = pairwiseSumOfSquares(d, 0, d.length);
  // d(Σ x²) = 2x dy: a vector shaped like x (the lecture's df/dq = 2q), no Jacobian.
  return record(
    'l2',
    [x],
    fromData(new Float64Array([s]), []),
    (dy) => {
      const g2 = 2 * dy.item();
      const xd = x.data;
      const dx = newStorageUnfilled(xd.length);
      for (let i = 0; i < xd.length; i++) dx[i] = g2 * xd[i]!;
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [mul(x, mul(dy, 2))],
  );
});

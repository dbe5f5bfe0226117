import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { newStorage, newStorageUnfilled } from '../kernels/backend.js';

/**
 * The logistic sigmoid 1 / (1 + e^-x), as one gate. For x < 0 it is computed as e^x / (1 + e^x), so
 * that e^-x never overflows for very negative x.
 */
export const sigmoid = defineOp('sigmoid', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'sigmoid');
  checkSize('sigmoid', x.shape);
  const d = x.data;
  const o = newStorage(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v >= 0) o[i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      o[i] = e / (1 + e);
    }
  }
  const s = fromData(o, x.shape);
  // ds/dx = (1 - s) s: the whole chain of gates (*-1, exp, +1, 1/x) collapses to one local gradient.
  return record(
    'sigmoid',
    [x],
    s,
    (dy) => {
      const g = dy.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! * (1 - o[i]!) * o[i]!;
      return [fromData(dx, x.shape)];
    },
    [s],
    (dy) => [mul(dy, mul(s, sub(1, s)))],
  );
});

import { defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';

/** max(x, 0) elementwise (NaN stays NaN). */
export const relu = defineOp('relu', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'relu');
  const d = x.data;
  const o = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.max(d[i]!, 0);
  return record(
    'relu',
    [x],
    fromData(o, x.shape),
    (dy) => {
      // d relu = dy * [x > 0]: a mask, never the (diagonal) Jacobian. Branch-free; the kink at 0 gets 0.
      const g = dy.data;
      const xd = x.data;
      const dx = new Float64Array(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! * +(xd[i]! > 0);
      return [fromData(dx, x.shape)];
    },
    [x],
  );
});

import { defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { mapValues } from './elementwise.js';

export const relu = defineOp('relu', (x: Tensor): Tensor => {
  const y = mapValues(x, (v) => Math.max(v, 0)) // NaN stays NaN;
  return record(
    'relu',
    [x],
    y,
    (dy) => {
      // d relu = dy * [x > 0]: a mask, never the (diagonal) Jacobian. Branch-free; the kink at 0 gets 0.
      const d = dy.data;
      const xd = x.data;
      const o = new Float64Array(d.length);
      for (let i = 0; i < d.length; i++) o[i] = d[i]! * +(xd[i]! > 0);
      return [fromData(o, x.shape)];
    },
    [x],
  );
});

import { defineOp, record, type Tensor } from '@tensorgrad/core';
import { mapValues, scaleGrad } from './elementwise.js';

export const exp = defineOp('exp', (x: Tensor): Tensor => {
  const y = mapValues(x, Math.exp);
  // d(e^x) = e^x dx: reuse the output.
  return record('exp', [x], y, (dy) => [scaleGrad(dy, x, y, (_, e) => e)], [y]);
});

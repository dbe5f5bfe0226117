import { defineOp, noGrad, normalizeAxis, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { div } from '../binary/div.js';
import { sub } from '../binary/sub.js';
import { exp } from '../unary/exp.js';
import { max } from '../reduce/max.js';
import { sum } from '../reduce/sum.js';

/**
 * e^x / Σ e^x along `axis` (the last by default). A composite: its gradient comes from sub, exp, sum
 * and div. Stable for large logits: the row max is subtracted first (softmax is unchanged by a shift),
 * so e^(x - max) never overflows; the max is taken without gradient because the shift's gradient
 * cancels exactly (Σ of the softmax gradient along the axis is 0).
 */
export const softmax = defineOp('softmax', (a: TensorLike, axis = -1): Tensor => {
  const x = asTensor(a, 'softmax');
  axis = normalizeAxis(axis, x.ndim, 'softmax'); // so that a bad axis names this op
  const shift = noGrad(() => max(x, axis, true));
  const e = exp(sub(x, shift));
  return div(e, sum(e, axis, true));
});

import { defineOp, noGrad, normalizeAxis, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { sub } from '../binary/sub.js';
import { exp } from '../unary/exp.js';
import { log } from '../unary/log.js';
import { max } from '../reduce/max.js';
import { sum } from '../reduce/sum.js';

/**
 * x - log Σ e^x along `axis` (the last by default), as log-sum-exp with the max subtracted first:
 * z = x - max, logSoftmax = z - log Σ e^z. Every e^z is at most 1 and the largest is exactly 1, so
 * nothing overflows and the log never sees 0, even for logits like 1e308. The max is taken without
 * gradient: the shift cancels exactly. A composite of sub, exp, sum and log.
 */
export const logSoftmax = defineOp('logSoftmax', (a: TensorLike, axis = -1): Tensor => {
  const x = asTensor(a, 'logSoftmax');
  axis = normalizeAxis(axis, x.ndim, 'logSoftmax'); // so that a bad axis names this op
  const shift = noGrad(() => max(x, axis, true));
  const z = sub(x, shift);
  return sub(z, log(sum(exp(z), axis, true)));
});

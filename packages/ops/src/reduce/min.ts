import { ValueError, defineOp, formatShape, normalizeAxes, type Tensor } from '@tensorgrad/core';
import { asTensor, checkKeepDims, type TensorLike } from '../util.js';
import { neg } from '../unary/neg.js';
import { max } from './max.js';

/**
 * Smallest value over `axis`, as -max(-x) (negation is exact). The gradient routes to the arg-min;
 * at a tie it is split equally among the tied entries, as for max.
 */
export const min = defineOp('min', (a: TensorLike, axis?: number | readonly number[] | null, keepDims?: boolean): Tensor => {
  const x = asTensor(a, 'min');
  keepDims = checkKeepDims(keepDims, 'min');
  const axes = normalizeAxes(axis, x.ndim, 'min'); // so that a bad axis names this op
  if (x.size === 0 && axes.some((i) => x.shape[i] === 0) && x.shape.every((d, i) => d > 0 || axes.includes(i))) {
    throw new ValueError('min', `cannot take the min over a zero-size axis of a tensor of shape ${formatShape(x.shape)} (it has no identity)`);
  }
  return neg(max(neg(x), axes, keepDims));
});

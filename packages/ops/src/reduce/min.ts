import { defineOp, type Tensor } from '@tensorgrad/core';
import { type TensorLike } from '../util.js';
import { withOpName } from '../composite.js';
import { neg } from '../unary/neg.js';
import { max } from './max.js';

/**
 * Smallest value over `axis`, as -max(-x) (negation is exact). The gradient routes to the arg-min;
 * at a tie it is split equally among the tied entries, as for max.
 */
export const min = defineOp('min', (a: TensorLike, axis?: number | readonly number[] | null, keepDims?: boolean): Tensor =>
  withOpName('min', () => neg(max(neg(a), axis, keepDims))),
);

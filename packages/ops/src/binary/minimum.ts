import { defineOp, type Tensor } from '@tensorgrad/core';
import { type TensorLike } from '../util.js';
import { withOpName } from '../composite.js';
import { maximum } from './maximum.js';
import { neg } from '../unary/neg.js';

/**
 * Elementwise min(a, b) with NumPy broadcasting, as -max(-a, -b) (negation is exact). The gradient
 * routes to the smaller input; at a tie it is split equally, half to each, as for maximum.
 */
export const minimum = defineOp('minimum', (a: TensorLike, b: TensorLike): Tensor => withOpName('minimum', () => neg(maximum(neg(a), neg(b)))));

import { defineOp, type Tensor } from '@tensorgrad/core';
import type { TensorLike } from '../util.js';
import { argExtreme } from './argmax.js';

/** Index of the smallest entry along `axis`: `argmax`'s twin (same rules, outside the graph). */
export const argmin = defineOp('argmin', (a: TensorLike, axis?: number | null, keepDims?: boolean): Tensor => argExtreme('argmin', a, axis, keepDims, -1));

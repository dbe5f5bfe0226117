import { defineOp, normalizeAxis, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { reshape } from './reshape.js';

/** Inserts an axis of length 1 at `axis` (in the result's numbering: -1 appends). A view via reshape. */
export const expandDims = defineOp('expandDims', (a: TensorLike, axis: number): Tensor => {
  const x = asTensor(a, 'expandDims');
  const at = normalizeAxis(axis, x.ndim + 1, 'expandDims');
  const shape = x.shape.slice();
  shape.splice(at, 0, 1);
  return reshape(x, shape);
});

/**
 * PyTorch's name for expandDims: `unsqueeze(x, axis)` inserts an axis of length 1 at `axis` (in the result's
 * numbering, [-ndim - 1, ndim]). The same op (its graph node and errors say expandDims).
 */
export const unsqueeze = expandDims;

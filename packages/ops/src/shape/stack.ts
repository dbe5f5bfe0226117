import { ShapeError, Tensor, ValueError, checkSize, defineOp, describeValue, formatShape, normalizeAxis, shapesEqual } from '@tensorgrad/core';
import { concat } from './concat.js';
import { expandDims } from './expandDims.js';

/** Joins same-shaped tensors along a new `axis` (in the result's numbering), as expandDims + concat. */
export const stack = defineOp('stack', (tensors: readonly Tensor[], axis = 0): Tensor => {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('stack', 'needs a non-empty list of tensors');
  if (!tensors.every((t) => t instanceof Tensor)) {
    const stray = tensors.findIndex((t) => !(t instanceof Tensor));
    throw new ValueError('stack', `every element of the list must be a Tensor, got ${describeValue(tensors[stray])} at position ${stray}`);
  }
  const first = tensors[0]!;
  if (!tensors.every((t) => shapesEqual(t.shape, first.shape))) {
    throw new ShapeError('stack', `all tensors must have the same shape, got ${tensors.map((t) => formatShape(t.shape)).join(', ')}`);
  }
  const at = normalizeAxis(axis, first.ndim + 1, 'stack');
  checkSize('stack', [tensors.length, ...first.shape]);
  return concat(tensors.map((t) => expandDims(t, at)), at);
});

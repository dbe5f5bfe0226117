import { Tensor, ShapeError, checkShape, checkSize, contiguousStrides, defineOp, formatShape, fromData, record, sizeOf, viewOf } from '@tensorgrad/core';
import { asTensor } from '../util.js';

/** Resolves one -1 in a requested shape from the element count (`op` names the caller in errors: reshape, view). */
export function resolveShape(x: Tensor, shape: readonly number[], op = 'reshape'): number[] {
  if (!Array.isArray(shape)) checkShape(shape, op); // throws: shape must be an array such as [6], got 6
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(op, `only one dimension can be -1, got ${formatShape(shape)}`);
  const known = checkShape(shape.filter((d) => d !== -1), op);
  const knownSize = sizeOf(known);
  const resolved = shape.map((d) => (d === -1 ? (knownSize === 0 ? 0 : x.size / knownSize) : d));
  if (!resolved.every(Number.isInteger) || sizeOf(resolved) !== x.size) {
    throw new ShapeError(op, `cannot reshape a tensor of shape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`);
  }
  return resolved;
}

/** Same values in a new shape (one dimension may be -1). A view when `x` is contiguous, else a copy. */
export const reshape = defineOp('reshape', (x: Tensor, shape: readonly number[]): Tensor => {
  x = asTensor(x, 'reshape');
  const target = resolveShape(x, shape);
  if (!x.isContiguous) checkSize('reshape', target); // a copy, as large as a broadcast view can be
  const y = x.isContiguous ? viewOf(x, target, contiguousStrides(target)) : fromData(x.data, target);
  return record('reshape', [x], y, (dy) => [fromData(dy.data, x.shape)], [], (dy) => [reshape(dy, x.shape)]);
});

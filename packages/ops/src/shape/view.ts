import { ShapeError, contiguousStrides, defineOp, formatShape, fromData, record, viewOf, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { reshape, resolveShape } from './reshape.js';

/**
 * The strides under which `shape` reads the same storage as (oldShape, oldStrides) in row-major order, or
 * null when no strides do (PyTorch's computeStride): the old axes fall into runs that are contiguous with
 * one another, and each run must be re-cut into whole new axes.
 */
function viewStrides(oldShape: readonly number[], oldStrides: readonly number[], shape: readonly number[]): number[] | null {
  if (oldShape.length === 0 || oldShape.includes(0)) return contiguousStrides(shape);
  const strides = new Array<number>(shape.length).fill(0);
  let v = shape.length - 1;
  let base = oldStrides[oldStrides.length - 1]!;
  let runSize = 1;
  let viewSize = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    runSize *= oldShape[d]!;
    // A run ends at axis 0 or where the next axis out does not continue it.
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== runSize * base)) {
      while (v >= 0 && (viewSize < runSize || shape[v] === 1)) {
        strides[v] = viewSize * base;
        viewSize *= shape[v]!;
        v--;
      }
      if (viewSize !== runSize) return null;
      if (d > 0) {
        base = oldStrides[d - 1]!;
        runSize = 1;
        viewSize = 1;
      }
    }
  }
  return v === -1 ? strides : null;
}

/**
 * The same storage seen in a new shape (one dimension may be -1): PyTorch's `view`. Always a view, never
 * a copy, so it is refused (a ShapeError) where the strides cannot express the new shape, as on a
 * transpose whose swapped axes are merged; `reshape` copies there instead.
 */
export const view = defineOp('view', (a: TensorLike, shape: readonly number[]): Tensor => {
  const x = asTensor(a, 'view');
  const target = resolveShape(x, shape, 'view');
  const strides = viewStrides(x.shape, x.nd.stride, target);
  if (strides === null) {
    throw new ShapeError(
      'view',
      `a tensor of shape ${formatShape(x.shape)} with strides ${formatShape(x.nd.stride)} cannot be viewed as ${formatShape(target)} without a copy (its axes are not contiguous where they would merge or split); use reshape, which copies`,
    );
  }
  const y = viewOf(x, target, strides);
  // The gradient is dy in x's shape, as reshape's.
  return record('view', [x], y, (dy) => [fromData(dy.data, x.shape)], [], (dy) => [reshape(dy, x.shape)]);
});

import { ShapeError, contiguousData, defineOp, describeValue, fromData, normalizeAxis, record, viewOf, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';

/**
 * Reverses the order of the entries along each of `axes` (negative count from the end): PyTorch's `flip`.
 * A strided view (negative strides), as NumPy's flip; PyTorch's copies. Flipping is its own inverse and its
 * own transpose, so the gradient is the upstream gradient flipped back.
 */
export const flip = defineOp('flip', (a: TensorLike, axes: readonly number[]): Tensor => {
  const x = asTensor(a, 'flip');
  if (!Array.isArray(axes)) throw new ShapeError('flip', `axes must be a list of axes, such as [0], got ${describeValue(axes)}`);
  const at = axes.map((ax) => normalizeAxis(ax, x.ndim, 'flip'));
  if (new Set(at).size !== at.length) throw new ShapeError('flip', `axis ${describeValue(axes)} names an axis twice`);
  const strides = x.nd.stride.slice();
  let offset = x.nd.offset;
  for (const i of at) {
    const n = x.shape[i]!;
    if (n > 0) offset += (n - 1) * strides[i]!;
    strides[i] = -strides[i]!;
  }
  const y = viewOf(x, x.shape, strides, offset);
  // The first-order gradient is written out contiguously, the usual receiver being a .grad.
  return record('flip', [x], y, (dy) => [fromData(contiguousData(flip(dy, at).nd), x.shape)], [], (dy) => [flip(dy, at)]);
});

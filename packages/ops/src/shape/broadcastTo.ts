import { Tensor, ShapeError, broadcastShapes, checkShape, defineOp, formatShape, record, shapesEqual, viewOf } from '@tensorgrad/core';
import { unbroadcast } from '../broadcast.js';
import { asTensor } from '../util.js';

/** Broadcasts `x` to `shape` as a view: broadcast axes get stride 0, so no values are copied. */
export const broadcastTo = defineOp('broadcastTo', (x: Tensor, shape: readonly number[]): Tensor => {
  x = asTensor(x, 'broadcastTo');
  checkShape(shape, 'broadcastTo');
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) {
    throw new ShapeError('broadcastTo', `cannot broadcast shape ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  const lead = shape.length - x.ndim;
  const strides = shape.map((_, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : x.nd.stride[i - lead]!));
  const y = viewOf(x, shape, strides);
  // The backward of a broadcast is a sum over the broadcast axes.
  // unbroadcast sums with recorded ops when the gradient is in the graph: the rule is its own recorded rule.
  const rule = (dy: Tensor): Tensor[] => [unbroadcast(dy, x.shape)];
  return record('broadcastTo', [x], y, rule, [], rule);
});

import type { Tensor } from '@tensorgrad/core';
import { broadcastRows, type RowKernel } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';

/**
 * The shared body of the comparison ops: `row` writes 1 or 0 per element, with NumPy broadcasting. A
 * comparison is piecewise constant (its derivative is 0 wherever it exists), so like argmax the result
 * is a plain float64 tensor outside the graph: it never requires grad, and `where(greater(x, 0), x, y)`
 * sends gradients to x and y only, never through the mask.
 */
export function compare(op: string, a: TensorLike, b: TensorLike, row: RowKernel): Tensor {
  const x = asTensor(a, op);
  const y = asTensor(b, op);
  // broadcastRows returns a new tensor and records nothing: the result is a leaf that needs no grad.
  return broadcastRows(op, x, y, row);
}

import { ShapeError, Tensor, ValueError, checkSize, contiguousStrides, defineOp, describeValue, formatShape, fromData, normalizeAxis, record, scatterInto, viewOf } from '@tensorgrad/core';
import { slice } from './slice.js';
import { newStorage } from '../kernels/backend.js';

/** Joins tensors along an existing `axis`; all other dimensions must agree. */
export const concat = defineOp('concat', (tensors: readonly Tensor[], axis = 0): Tensor => {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('concat', 'needs a non-empty list of tensors');
  if (!tensors.every((t) => t instanceof Tensor)) {
    const stray = tensors.findIndex((t) => !(t instanceof Tensor));
    throw new ValueError('concat', `every element of the list must be a Tensor, got ${describeValue(tensors[stray])} at position ${stray}`);
  }
  const first = tensors[0]!;
  const shapes = tensors.map((t) => formatShape(t.shape)).join(', ');
  if (first.ndim === 0) throw new ShapeError('concat', `cannot concatenate 0-d tensors (shapes ${shapes}); use stack`);
  const at = normalizeAxis(axis, first.ndim, 'concat');
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== at && d !== first.shape[i])) {
      throw new ShapeError('concat', `shapes ${shapes} differ outside axis ${at}`);
    }
  }
  const shape = first.shape.slice();
  shape[at] = tensors.reduce((n, t) => n + t.shape[at]!, 0);
  const strides = contiguousStrides(shape);
  const out = newStorage(checkSize('concat', shape));
  const starts: number[] = [];
  let start = 0;
  for (const t of tensors) {
    starts.push(start);
    scatterInto({ data: out, shape: t.shape, stride: strides, offset: start * strides[at]! }, t.data);
    start += t.shape[at]!;
  }
  // The backward of a concat cuts the upstream gradient back into pieces (strided views, no copies).
  return record(
    'concat',
    tensors,
    fromData(out, shape),
    (dy) => tensors.map((t, i) => (t.requiresGrad ? viewOf(dy, t.shape, dy.nd.stride, dy.nd.offset + starts[i]! * dy.nd.stride[at]!) : null)),
    [],
    (dy) => tensors.map((t, i) => (t.requiresGrad ? slice(dy, [...new Array<null>(at).fill(null), [starts[i]!, starts[i]! + t.shape[at]!]]) : null)),
  );
});

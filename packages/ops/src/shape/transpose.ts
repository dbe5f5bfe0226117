import { Tensor, ShapeError, contiguousData, defineOp, describeValue, formatShape, fromData, normalizeAxis, record, viewOf } from '@tensorgrad/core';
import { asTensor } from '../util.js';

/**
 * Permutes the axes (by default swaps the last two) as a strided view: no values move, so matmul can
 * read a transposed operand through its strides.
 */
export const transpose = defineOp('transpose', (x: Tensor, axes?: readonly number[]): Tensor => {
  x = asTensor(x, 'transpose');
  if (axes !== undefined && !Array.isArray(axes)) throw new ShapeError('transpose', `axes must be a list, a permutation of all the axes (such as [${x.shape.map((_, i) => x.ndim - 1 - i).join(', ')}]), got ${describeValue(axes)}`);
  const nd = x.ndim;
  let perm: number[];
  if (axes === undefined) {
    perm = Array.from({ length: nd }, (_, i) => i);
    if (nd >= 2) [perm[nd - 2], perm[nd - 1]] = [perm[nd - 1]!, perm[nd - 2]!];
  } else {
    if (axes.length !== nd) throw new ShapeError('transpose', `permutation [${axes.join(', ')}] does not match a tensor of shape ${formatShape(x.shape)}`);
    perm = axes.map((a) => normalizeAxis(a, nd, 'transpose'));
    if (new Set(perm).size !== nd) throw new ShapeError('transpose', `[${axes.join(', ')}] is not a permutation of the axes of a tensor of shape ${formatShape(x.shape)}`);
  }
  const y = viewOf(x, perm.map((p) => x.shape[p]!), perm.map((p) => x.nd.stride[p]!));
  const inverse = new Array<number>(nd);
  perm.forEach((p, i) => (inverse[p] = i));
  // The transpose of a permutation is its inverse. When transpose(dy, inverse) is already contiguous
  // (matmul's column-major branch arranges dy so) it is returned as is: the engine copies a gradient it
  // does not own before handing it to a leaf. Otherwise it is written out contiguously (a tiled copy)
  // rather than returned as a strided view: the usual receiver is a weight's .grad (transpose(W) in
  // x·Wᵀ), which must be contiguous, and other receivers mostly read .data, which would copy the view
  // through a generic, untiled strided walk.
  return record('transpose', [x], y, (dy) => {
    const dx = transpose(dy, inverse);
    return [dx.isContiguous ? dx : fromData(contiguousData(dx.nd), x.shape)];
  }, [], (dy) => [transpose(dy, inverse)]);
});

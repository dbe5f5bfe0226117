import { Tensor, checkSize, defineOp, fromData, normalizeAxes, record, sizeOf, contiguousStrides } from '@tensorgrad/core';
import { expandReduced, reducedStrides } from './axes.js';
import { asTensor, checkKeepDims, type TensorLike } from '../util.js';
import { pairwiseSum } from './pairwise.js';
import { expandRecorded } from './expand.js';
import { newStorage } from '../kernels/backend.js';

/**
 * Sums over `axes` (sorted, distinct); returns values in the keepDims shape. Runs along the last axis
 * are summed pairwise (see pairwise.ts); sums across rows accumulate row by row.
 */
export function sumKernel(x: Tensor, axes: readonly number[]): Tensor {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const data = x.data;
  const o = newStorage(sizeOf(keptShape));
  if (axes.length === x.ndim) {
    o[0] = pairwiseSum(data, 0, data.length);
    return fromData(o, keptShape);
  }
  // Walk the input in order; each element lands at its output offset (stride 0 along reduced axes).
  const own = contiguousStrides(keptShape);
  const os = x.shape.map((_, i) => (axes.includes(i) ? 0 : own[i]!));
  const nd = x.ndim;
  const inner = x.shape[nd - 1]!;
  const oi = os[nd - 1]!;
  const index = new Array<number>(nd).fill(0);
  let oo = 0;
  for (let base = 0; base < data.length; base += inner) {
    if (oi === 0) o[oo] += pairwiseSum(data, base, inner);
    else for (let j = 0; j < inner; j++) o[oo + j] += data[base + j]!;
    for (let axis = nd - 2; axis >= 0; axis--) {
      oo += os[axis]!;
      if (++index[axis]! < x.shape[axis]!) break;
      oo -= os[axis]! * x.shape[axis]!;
      index[axis] = 0;
    }
  }
  return fromData(o, keptShape);
}

/** Sum over `axis` (all axes by default; a number or a list, negative allowed). */
export const sum = defineOp('sum', (a: TensorLike, axis?: number | readonly number[] | null, keepDims?: boolean): Tensor => {
  const x = asTensor(a, 'sum');
  keepDims = checkKeepDims(keepDims, 'sum');
  const axes = normalizeAxes(axis, x.ndim, 'sum');
  checkSize('sum', x.shape);
  checkSize('sum', keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i))); // larger than x when x has no values: sum over [0, n] is [n]
  const kept = sumKernel(x, axes);
  const shape = keepDims ? kept.shape : x.shape.filter((_, i) => !axes.includes(i));
  const y = fromData(kept.data, shape);
  // d(sum)/dx = 1 everywhere: the upstream gradient is copied back along the summed axes. Written out
  // contiguously rather than returned as a stride-0 broadcast view: every consumer reads .data, which
  // would copy the view through a generic strided walk anyway.
  return record('sum', [x], y, (dy) => [fromData(expandReduced(dy.data, x.shape, reducedStrides(x.shape, axes).strides), x.shape)], [], (dy) => [
    expandRecorded(dy, kept.shape, x.shape),
  ]);
});

import { ValueError, checkSize, defineOp, formatShape, fromData, type Tensor } from '@tensorgrad/core';
import { asTensor, checkKeepDims, type TensorLike } from '../util.js';
import { lanes } from './axes.js';
import { newStorage } from '../kernels/backend.js';

/**
 * Index of the largest (`sign` = 1) or smallest (`sign` = -1) entry along `axis`, or the flat
 * (row-major) index over all entries when `axis` is undefined or null. The first occurrence wins at a
 * tie, and a NaN counts as the extreme (NumPy's and PyTorch's choices).
 */
export function argExtreme(op: string, a: TensorLike, axis: number | null | undefined, keepDims: boolean | undefined, sign: 1 | -1): Tensor {
  const x = asTensor(a, op);
  const keep = checkKeepDims(keepDims, op);
  const all = axis === undefined || axis === null;
  // All entries flattened are one lane of length size.
  const { at, outer, n, inner } = all ? { at: -1, outer: 1, n: x.size, inner: 1 } : lanes(x.shape, axis, op);
  if (n === 0) throw new ValueError(op, `cannot take the ${op} of a zero-size ${all ? 'tensor' : 'axis'} (shape ${formatShape(x.shape)})`);
  checkSize(op, x.shape); // the result is smaller: n > 0
  const d = x.data;
  const o = newStorage(outer * inner);
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < inner; i++) {
      const base = p * n * inner + i;
      let best = 0;
      let bv = d[base]!;
      for (let k = 1; k < n && bv === bv; k++) {
        const v = d[base + k * inner]!;
        if (v !== v || sign * (v - bv) > 0) {
          best = k;
          bv = v;
        }
      }
      o[p * inner + i] = best;
    }
  }
  const shape = all ? (keep ? x.shape.map(() => 1) : []) : keep ? x.shape.map((s, i) => (i === at ? 1 : s)) : x.shape.filter((_, i) => i !== at);
  // Indices are piecewise constant in x: no gradient, so the result is a plain tensor outside the graph
  // (it never requires grad), stored as float64 like every tensor.
  return fromData(o, shape);
}

/**
 * Index of the largest entry along `axis` (NumPy's `argmax`, PyTorch's `argmax`): all entries,
 * flattened row-major, when `axis` is omitted. Not differentiable: the result is outside the graph and
 * never requires grad. Ties go to the first occurrence; NaN counts as the largest.
 */
export const argmax = defineOp('argmax', (a: TensorLike, axis?: number | null, keepDims?: boolean): Tensor => argExtreme('argmax', a, axis, keepDims, 1));

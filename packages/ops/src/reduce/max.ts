import { Tensor, ValueError, checkSize, defineOp, formatShape, fromData, normalizeAxes, record, sizeOf } from '@tensorgrad/core';
import { asTensor, checkKeepDims, type TensorLike } from '../util.js';
import { forEachRow, laneMax, reducedStrides } from './axes.js';
import { mul } from '../binary/mul.js';
import { expandRecorded } from './expand.js';
import { newStorage } from '../kernels/backend.js';

/**
 * Largest value over `axis` (all axes by default; a number or a list, negative allowed); NaN wins, as
 * in NumPy. The gradient routes to the arg-max. At a tie — several entries equal to the max — it is
 * split equally among them (each gets dy / count), as JAX and PyTorch's amax do: symmetric, and what
 * a centered finite difference sees when all the tied entries move together. (A centered difference in
 * one tied entry sees 1/2 whatever the count: it agrees with the split only for a 2-way tie.)
 */
export const max = defineOp('max', (a: TensorLike, axis?: number | readonly number[] | null, keepDims?: boolean): Tensor => {
  const x = asTensor(a, 'max');
  keepDims = checkKeepDims(keepDims, 'max');
  const axes = normalizeAxes(axis, x.ndim, 'max');
  const { kept, strides } = reducedStrides(x.shape, axes);
  checkSize('max', x.shape);
  checkSize('max', keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i))); // larger than x when x has no values
  if (x.size === 0 && sizeOf(kept) > 0) {
    throw new ValueError('max', `cannot reduce over a zero-size axis of a tensor of shape ${formatShape(x.shape)} (the reduction has no identity)`);
  }
  const m = laneMax(x.data, x.shape, strides, sizeOf(kept));
  const inner = x.ndim === 0 ? 1 : x.shape[x.ndim - 1]!;
  const step = x.ndim === 0 ? 0 : strides[x.ndim - 1]!;
  const shape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  const y = fromData(m, shape);
  return record(
    'max',
    [x],
    y,
    (dy) => {
      const xd = x.data;
      const g = dy.data;
      const count = new Float64Array(m.length);
      forEachRow(x.shape, strides, (base, oo) => {
        for (let j = 0; j < inner; j++) count[oo + j * step] += +(xd[base + j] === m[oo + j * step]);
      });
      const dx = newStorage(xd.length);
      forEachRow(x.shape, strides, (base, oo) => {
        for (let j = 0; j < inner; j++) {
          const k = oo + j * step;
          if (xd[base + j] === m[k]) dx[base + j] = g[k]! / count[k]!;
        }
      });
      return [fromData(dx, x.shape)];
    },
    [x, y],
    (dy) => {
      // dy / count at the lane's max, 0 elsewhere: weights constant in x away from ties.
      const xd = x.data;
      const count = new Float64Array(m.length);
      forEachRow(x.shape, strides, (base, oo) => {
        for (let j = 0; j < inner; j++) count[oo + j * step] += +(xd[base + j] === m[oo + j * step]);
      });
      const w = newStorage(xd.length);
      forEachRow(x.shape, strides, (base, oo) => {
        for (let j = 0; j < inner; j++) if (xd[base + j] === m[oo + j * step]) w[base + j] = 1 / count[oo + j * step]!;
      });
      return [mul(expandRecorded(dy, kept, x.shape), fromData(w, x.shape))];
    },
  );
});

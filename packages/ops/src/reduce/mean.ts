import { checkSize, defineOp, normalizeAxes, type Tensor } from '@tensorgrad/core';
import { asTensor, checkKeepDims, type TensorLike } from '../util.js';
import { div } from '../binary/div.js';
import { sum } from './sum.js';

/** Arithmetic mean over `axis` (all axes by default), as sum / count: its gradient is dy / count everywhere. */
export const mean = defineOp('mean', (a: TensorLike, axis?: number | readonly number[] | null, keepDims?: boolean): Tensor => {
  const x = asTensor(a, 'mean');
  keepDims = checkKeepDims(keepDims, 'mean');
  const axes = normalizeAxes(axis, x.ndim, 'mean');
  checkSize('mean', x.shape);
  checkSize('mean', keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i))); // larger than x when x has no values: sum over [0, n] is [n]
  let count = 1;
  for (const i of axes) count *= x.shape[i]!;
  return div(sum(x, axes, keepDims), count);
});

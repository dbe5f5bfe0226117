import { ShapeError, defineOp, normalizeAxis, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { reshape } from './reshape.js';

/**
 * Merges axes `startAxis` through `endAxis` (inclusive; negative count from the end) into one, as
 * PyTorch's `flatten`: `flatten(x)` is 1-d, `flatten(x, 1)` turns [N, C, H, W] into [N, C·H·W]. A view
 * when x is contiguous (it is a reshape). A 0-d x becomes [1], as in PyTorch.
 */
export const flatten = defineOp('flatten', (a: TensorLike, startAxis: number = 0, endAxis: number = -1): Tensor => {
  const x = asTensor(a, 'flatten');
  if (x.ndim === 0) {
    normalizeAxis(startAxis, 1, 'flatten');
    normalizeAxis(endAxis, 1, 'flatten');
    return reshape(x, [1]);
  }
  const s = normalizeAxis(startAxis, x.ndim, 'flatten');
  const e = normalizeAxis(endAxis, x.ndim, 'flatten');
  if (s > e) throw new ShapeError('flatten', `startAxis ${startAxis} comes after endAxis ${endAxis} for a tensor with ${x.ndim} dimensions`);
  let merged = 1;
  for (let i = s; i <= e; i++) merged *= x.shape[i]!;
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
});

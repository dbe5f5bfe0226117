import { ShapeError, defineOp, formatShape, normalizeAxes, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { reshape } from './reshape.js';

/** Removes axes of length 1: the given ones (each must have length 1), or every one by default. A view via reshape. */
export const squeeze = defineOp('squeeze', (a: TensorLike, axis?: number | readonly number[] | null): Tensor => {
  const x = asTensor(a, 'squeeze');
  let drop: number[];
  if (axis === undefined || axis === null) drop = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  else {
    drop = normalizeAxes(axis, x.ndim, 'squeeze');
    for (const i of drop) {
      if (x.shape[i] !== 1) throw new ShapeError('squeeze', `cannot squeeze axis ${i} of length ${x.shape[i]} in a tensor of shape ${formatShape(x.shape)}`);
    }
  }
  return reshape(x, x.shape.filter((_, i) => !drop.includes(i)));
});

import { fromData, type Tensor } from '@tensorgrad/core';
import { newStorageUnfilled } from '../kernels/backend.js';

/**
 * 1 where `test` holds for an entry of `x`, 0 elsewhere, as a constant tensor (outside the graph): the
 * recorded rules of piecewise ops (relu, clamp) select with it. Their second derivative is 0 away from
 * the kinks, which a constant mask gives.
 */
export function mask(x: Tensor, test: (v: number) => boolean): Tensor {
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = +test(d[i]!);
  return fromData(o, x.shape);
}

/** The sign of each entry of `x` (1, -1, or 0 at 0 and NaN), as a constant tensor: abs's and norm's recorded rules. */
export function signOf(x: Tensor): Tensor {
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = +(d[i]! > 0) - +(d[i]! < 0);
  return fromData(o, x.shape);
}

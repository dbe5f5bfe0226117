import { Tensor, tensor } from '@tensorgrad/core';

/** A tensor that requires grad: the leaf of a small test graph. */
export function leaf(values: number[] | number[][] | number): Tensor {
  return tensor(values, { requiresGrad: true });
}

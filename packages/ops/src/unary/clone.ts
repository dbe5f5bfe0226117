import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';

/**
 * A copy of `x` in fresh contiguous storage that stays in the graph (PyTorch's `clone`): writing into the
 * copy (`mutate`) leaves `x` alone, and the gradient passes through unchanged. (`detach` is the opposite:
 * shared storage, out of the graph.)
 */
export const clone = defineOp('clone', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'clone');
  checkSize('clone', x.shape);
  // x.data is the storage itself for a contiguous x: slice so that the copy never aliases it.
  const o = x.isContiguous ? x.data.slice() : x.data;
  // The rule is the identity, differentiable as it stands.
  const rule = (dy: Tensor): Tensor[] => [dy];
  return record('clone', [x], fromData(o, x.shape), rule, [], rule);
});

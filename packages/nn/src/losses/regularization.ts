import { Tensor, ValueError, describeValue } from '@tensorgrad/core';
import { add, l2, mul } from '@tensorgrad/ops';

/**
 * L2 regularization, reg · Σ_W Σ W², over the given tensors (usually the weights, not the biases).
 * Its gradient is 2·reg·W. The course's case study writes 0.5·reg·ΣW² so that the gradient is reg·W:
 * pass reg / 2 to get that.
 */
export function l2Regularization(weights: Iterable<Tensor>, reg: number): Tensor {
  const op = 'l2Regularization';
  if (typeof reg !== 'number' || !Number.isFinite(reg) || reg < 0) throw new ValueError(op, `reg must be a finite non-negative number, got ${reg}`);
  let total: Tensor | null = null;
  let index = 0;
  for (const w of weights) {
    if (!(w instanceof Tensor)) throw new ValueError(op, `entry ${index} is not a Tensor (${describeValue(w)})`);
    const squares = l2(w);
    total = total === null ? squares : add(total, squares);
    index++;
  }
  if (total === null) throw new ValueError(op, 'got no tensors to regularize');
  return mul(total, reg);
}

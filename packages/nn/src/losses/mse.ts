import { ShapeError, Tensor, ValueError, defineOp, formatShape, fromData, record, shapesEqual } from '@tensorgrad/core';

/**
 * Mean squared error over every element: L = (1/n) Σ (input - target)². The shapes must match exactly:
 * a silently broadcast target is a classic regression bug ([N] against [N, 1] gives an [N, N] loss).
 */
export const mse = defineOp('mse', (input: Tensor, target: Tensor): Tensor => {
  const op = 'mse';
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new ValueError(op, 'input and target must be Tensors');
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(op, `input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  const n = input.size;
  if (n === 0) throw new ShapeError(op, `input of shape ${formatShape(input.shape)} is empty: the mean is undefined`);
  const a = input.data;
  const b = target.data;
  const diff = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    diff[i] = d;
    total += d * d;
  }
  const loss = fromData(new Float64Array([total / n]), []);
  return record(op, [input, target], loss, (dy) => {
    // dL/dinput = 2 (input - target) / n; the target gets the negative.
    const g = (2 * dy.item()) / n;
    const dInput = new Float64Array(n);
    for (let i = 0; i < n; i++) dInput[i] = diff[i]! * g;
    const dTarget = target.requiresGrad ? fromData(dInput.map((v) => -v), target.shape) : null;
    return [fromData(dInput, input.shape), dTarget];
  });
});

// Binary elementwise ops: ties of maximum/minimum, numbers as operands, where.
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { div, maximum, minimum, mul, sub } from '@tensorgrad/ops';
import { leaf } from './leaf.js';

describe('ties and kinks (documented choices)', () => {
  it('maximum / minimum split the gradient equally at a tie', () => {
    const a = leaf([1, 2, 3]);
    const b = leaf([1, 0, 3]);
    maximum(a, b).backward(tensor([4, 4, 4]));
    expect(a.grad!.toArray()).toEqual([2, 4, 2]);
    expect(b.grad!.toArray()).toEqual([2, 0, 2]);
    const c = leaf([1, 2]);
    const d = leaf([1, 5]);
    minimum(c, d).backward(tensor([1, 1]));
    expect(c.grad!.toArray()).toEqual([0.5, 1]);
    expect(d.grad!.toArray()).toEqual([0.5, 0]);
  });
});

describe('binary ops and numbers', () => {
  it('sub, div and mul take numbers on either side', () => {
    expect(sub(10, tensor([1, 2])).toArray()).toEqual([9, 8]);
    expect(div(tensor([6, 9]), 3).toArray()).toEqual([2, 3]);
    expect(div(1, tensor([4])).toArray()).toEqual([0.25]);
    expect(mul(tensor([1, 2]), 2).toArray()).toEqual([2, 4]);
  });

  it('a non-number, non-tensor operand is a ValueError naming the op', () => {
    expect(() => ops.add(tensor([1]), 'x' as unknown as number)).toThrow(ValueError);
    expect(() => ops.add(tensor([1]), 'x' as unknown as number)).toThrow(/^add: expected a Tensor or a number/);
  });
});

describe('the NumPy/PyTorch extras', () => {
  it('where picks a where the condition is non-zero, b elsewhere; gradients split and unbroadcast', () => {
    const a = leaf([1, 2, 3]);
    const b = leaf([[10], [20]]);
    const y = ops.where(tensor([[1, 0, 1], [0, 0, 0]]), a, b);
    expect(y.toArray()).toEqual([[1, 10, 3], [20, 20, 20]]);
    y.sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 0, 1]);
    expect(b.grad!.toArray()).toEqual([[1], [3]]);
    expect(a.where(tensor([0, 1, 0]), 0).toArray()).toEqual([0, 2, 0]);
    expect(() => ops.where(tensor([1, 0]), a, 0)).toThrow(ShapeError);
    expect(() => ops.where(tensor([1, 0]), a, 0)).toThrow(/^where: shapes \[2\] and \[3\]/);
    expect(() => ops.where([1, 0] as never, a, 0)).toThrow(/^where: condition must be a Tensor or a number/);
  });
});

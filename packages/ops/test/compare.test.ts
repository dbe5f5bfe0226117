// Comparisons: 1/0 float64 masks with NumPy broadcasting, outside the graph (like argmax).
import { describe, expect, it } from 'vitest';
import { ShapeError, tensor, type Tensor } from '@tensorgrad/core';
import { equal, gradcheck, greater, greaterEqual, less, lessEqual, mul, notEqual, sum, where } from '@tensorgrad/ops';
import { leaf } from './leaf.js';

describe('comparisons', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([3, 2, 7]);

  it('give 1 where the comparison holds and 0 elsewhere, broadcasting as the binary ops', () => {
    expect(greater(a, b).toArray()).toEqual([[0, 0, 0], [1, 1, 0]]);
    expect(greaterEqual(a, b).toArray()).toEqual([[0, 1, 0], [1, 1, 0]]);
    expect(less(a, b).toArray()).toEqual([[1, 0, 1], [0, 0, 1]]);
    expect(lessEqual(a, b).toArray()).toEqual([[1, 1, 1], [0, 0, 1]]);
    expect(equal(a, b).toArray()).toEqual([[0, 1, 0], [0, 0, 0]]);
    expect(notEqual(a, b).toArray()).toEqual([[1, 0, 1], [1, 1, 1]]);
    // A column against a row: [3, 1] vs [3] -> [3, 3].
    expect(greater(tensor([[1], [2], [3]]), tensor([1, 2, 3])).toArray()).toEqual([[0, 0, 0], [1, 0, 0], [1, 1, 0]]);
    // Numbers on either side, and a transposed (strided) view.
    expect(greater(a, 3).toArray()).toEqual([[0, 0, 0], [1, 1, 1]]);
    expect(less(3, a).toArray()).toEqual([[0, 0, 0], [1, 1, 1]]);
    expect(equal(a.T, tensor([1, 4])).toArray()).toEqual([[1, 1], [0, 0], [0, 0]]);
  });

  it('treat NaN as NumPy does: every comparison with NaN is 0, except notEqual (1)', () => {
    const x = tensor([NaN, 1, NaN]);
    const y = tensor([1, NaN, NaN]);
    for (const f of [greater, greaterEqual, less, lessEqual, equal]) expect(f(x, y).toArray()).toEqual([0, 0, 0]);
    expect(notEqual(x, y).toArray()).toEqual([1, 1, 1]);
  });

  it('are methods, under NumPy names and PyTorch short names', () => {
    expect(a.greater(b).toArray()).toEqual(greater(a, b).toArray());
    expect(a.gt(2).toArray()).toEqual([[0, 0, 1], [1, 1, 1]]);
    expect(a.ge(2).toArray()).toEqual([[0, 1, 1], [1, 1, 1]]);
    expect(a.lt(2).toArray()).toEqual([[1, 0, 0], [0, 0, 0]]);
    expect(a.le(2).toArray()).toEqual([[1, 1, 0], [0, 0, 0]]);
    expect(a.eq(b).toArray()).toEqual(equal(a, b).toArray());
    expect(a.ne(b).toArray()).toEqual(notEqual(a, b).toArray());
    expect(a.lessEqual(b).toArray()).toEqual(lessEqual(a, b).toArray());
  });

  it('are outside the graph: never requiring grad, even from inputs that do', () => {
    const x = leaf([1, -2, 3]);
    const m = greater(x, 0);
    expect(m.requiresGrad).toBe(false);
    expect(m.isLeaf).toBe(true);
    expect(() => m.backward()).toThrow(/does not require grad/);
  });

  it('make masks for where: where(greater(x, 0), x, y) has the gradient a centered difference measures', () => {
    const x = leaf([0.5, -1.2, 2.0, -0.3]);
    const y = leaf([1.5, 0.7, -0.4, 2.2]);
    const f = (x: Tensor, y: Tensor): Tensor => sum(mul(where(greater(x, 0), x, y), tensor([1, 2, 3, 4])));
    f(x, y).backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 3, 0]);
    expect(y.grad!.toArray()).toEqual([0, 2, 0, 4]);
    const check = gradcheck(f, [x, y]);
    expect(check.ok, JSON.stringify(check.worst)).toBe(true);
  });

  it('refuse shapes that do not broadcast, naming the op', () => {
    expect(() => less(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => less(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/^less: shapes \[2\] and \[3\] cannot be broadcast/);
  });
});

// norm: its ords and axes, gradient 0 at the kinks, no overflow. (matmul: matmul.test.ts.)
import { describe, expect, it } from 'vitest';
import { ValueError, tensor } from '@tensorgrad/core';
import { norm } from '@tensorgrad/ops';
import { leaf } from './leaf.js';

describe('ties and kinks (documented choices)', () => {
  it('norm has gradient 0 at 0 (not NaN) and x/||x|| elsewhere', () => {
    const z = leaf([0, 0]);
    norm(z).backward();
    expect(z.grad!.toArray()).toEqual([0, 0]);
    const x = leaf([3, 4]);
    const n = norm(x);
    expect(n.item()).toBe(5);
    n.backward();
    expect(x.grad!.toArray()).toEqual([0.6, 0.8]);
  });
});

describe('numerical stability', () => {
  it('norm does not overflow or underflow', () => {
    expect(norm(tensor([3e200, 4e200])).item()).toBeCloseTo(5e200, -186);
    expect(norm(tensor([3e-200, 4e-200])).item() / 5e-200).toBeCloseTo(1, 14);
  });
});

describe('norm(x, ord = 2, axis?, keepDims?)', () => {
  it('ord 1, 2 and Infinity over all axes, as x.norm(ord) too', () => {
    const x = tensor([3, -4]);
    expect(norm(x).item()).toBe(5);
    expect(x.norm(1).item()).toBe(7); // used to be 5: the extra argument was ignored
    expect(x.norm(Infinity).item()).toBe(4);
  });

  it('over an axis, with keepDims; gradients per ord, 0 on a zero lane', () => {
    const x = leaf([[3, -4], [0, 0]]);
    expect(norm(x, 2, 1).toArray()).toEqual([5, 0]);
    expect(norm(x, 1, -1, true).toArray()).toEqual([[7], [0]]);
    expect(norm(x, Infinity, 0).toArray()).toEqual([3, 4]);
    norm(x, 2, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0.6, -0.8], [0, 0]]);
    const y = leaf([[3, -4], [0, 2]]);
    norm(y, 1, 1).sum().backward();
    expect(y.grad!.toArray()).toEqual([[1, -1], [0, 1]]);
    const z = leaf([[-4, 4, 1]]);
    norm(z, Infinity, 1).sum().backward();
    expect(z.grad!.toArray()).toEqual([[-0.5, 0.5, 0]]); // a tie of magnitudes shares the gradient
  });

  it('the 2-norm does not overflow, and an unknown ord is refused', () => {
    expect(norm(tensor([3e300, 4e300]), 2, 0).item()).toBeCloseTo(5e300, -290);
    expect(() => norm(tensor([1, 2]), 3)).toThrow(ValueError);
    expect(() => norm(tensor([1, 2]), 3)).toThrow(/^norm: ord must be 1, 2 or Infinity, got 3$/);
    expect(() => norm(tensor([1, 2]), 'fro' as never)).toThrow(/^norm: ord must be 1, 2 or Infinity, got 'fro'$/);
    expect(() => norm(tensor([1, 2]), 2, 1)).toThrow(/^norm: axis 1 is out of range/);
  });
});

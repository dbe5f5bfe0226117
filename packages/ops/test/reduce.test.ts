// Reductions: axes and keepDims, ties and NaN of max/min, pairwise sums, argmax/argmin, logsumexp,
// variance/std, and the typed errors (op name and shapes in the message).
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, arange, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { expandDims, gather, logSoftmax, max, maximum, mean, min, minimum, softmax, std, sum, transpose } from '@tensorgrad/ops';
import { leaf } from './leaf.js';

describe('ties and kinks (documented choices)', () => {
  it('max / min reductions split the gradient equally among tied entries', () => {
    const x = leaf([[3, 1, 3], [2, 2, 2]]);
    max(x, 1).backward(tensor([6, 3]));
    expect(x.grad!.toArray()).toEqual([[3, 0, 3], [1, 1, 1]]);
    const y = leaf([[3, 1, 3], [2, 1, 1]]);
    min(y).backward();
    expect(y.grad!.toArray().flat().map((v: number) => v + 0)).toEqual([0, 1 / 3, 0, 0, 1 / 3, 1 / 3]);
  });

  it('at a 3-way tie the split (1/3 each) differs from a per-entry centered difference (1/2 each), as documented', () => {
    const values = [2, 5, 5, 5];
    const x = leaf(values);
    max(x).backward();
    expect(x.grad!.toArray()).toEqual([0, 1 / 3, 1 / 3, 1 / 3]);
    const eps = 1e-6;
    const at = (v: number[]): number => max(tensor(v)).item();
    const shifted = (i: number, d: number): number[] => values.map((v, j) => (j === i ? v + d : v));
    const perEntry = values.map((_, i) => (at(shifted(i, eps)) - at(shifted(i, -eps))) / (2 * eps));
    expect(perEntry.map((d) => Math.round(d * 1e6) / 1e6)).toEqual([0, 0.5, 0.5, 0.5]);
    // Along the direction that moves every tied entry together, both agree: the parts sum to 1.
    const together = (at(values.map((v, j) => (j > 0 ? v + eps : v))) - at(values.map((v, j) => (j > 0 ? v - eps : v)))) / (2 * eps);
    expect(together).toBeCloseTo(1, 9);
    expect(x.grad!.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    // A 2-way tie is where the split and the per-entry difference agree (1/2 each).
    const y = leaf([5, 5, 1]);
    max(y).backward();
    expect(y.grad!.toArray()).toEqual([0.5, 0.5, 0]);
  });

  it('max propagates NaN (as NumPy) and gives it no gradient', () => {
    const x = leaf([1, NaN, 3]);
    const m = max(x);
    expect(m.item()).toBeNaN();
    m.backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 0]);
    expect(maximum(tensor([NaN, 1]), tensor([0, NaN])).toArray().every(Number.isNaN)).toBe(true);
  });
});

describe('reductions', () => {
  const x = arange(24).reshape([2, 3, 4]);
  it('take an axis, a list of axes, negative axes and keepDims', () => {
    expect(sum(x, [0, -1]).toArray()).toEqual([60, 92, 124]);
    expect(sum(x, 1, true).shape).toEqual([2, 1, 4]);
    expect(mean(x, -1).toArray()).toEqual([[1.5, 5.5, 9.5], [13.5, 17.5, 21.5]]);
    expect(max(x, [0, 1]).toArray()).toEqual([20, 21, 22, 23]);
    expect(min(x, 2, true).toArray()).toEqual([[[0], [4], [8]], [[12], [16], [20]]]);
    expect(mean(x).item()).toBe(11.5);
  });

  it('sum and l2 add pairwise: 1e6 copies of 0.1 sum to 1e5 within 1e-9 (a running sum is 1.3e-6 off)', () => {
    const d = new Float64Array(1e6).fill(0.1);
    expect(Math.abs(sum(tensor(d)).item() - 1e5)).toBeLessThan(1e-9);
    expect(Math.abs(sum(tensor(d).reshape([1000, 1000]), 1).data[999]! - 100)).toBeLessThan(1e-12);
    expect(Math.abs(ops.l2(tensor(d)).item() - 1e4)).toBeLessThan(1e-9);
    const n = 1001;
    const ints = Float64Array.from({ length: n }, (_, i) => i + 1);
    expect(sum(tensor(ints)).item()).toBe((n * (n + 1)) / 2);
    expect(ops.l2(tensor(ints)).item()).toBe((n * (n + 1) * (2 * n + 1)) / 6);
  });

  it('mean divides the gradient by the count', () => {
    const t = leaf([[1, 2], [3, 4]]);
    mean(t, 0).backward(tensor([1, 1]));
    expect(t.grad!.toArray()).toEqual([[0.5, 0.5], [0.5, 0.5]]);
  });

  it('name the op when an axis is out of range or repeated', () => {
    for (const [name, f] of [['sum', sum], ['mean', mean], ['max', max], ['min', min]] as const) {
      expect(() => f(x, 3)).toThrow(ShapeError);
      expect(() => f(x, 3)).toThrow(new RegExp(`^${name}: axis 3 is out of range`));
      expect(() => f(x, [1, -2])).toThrow(`${name}: repeated axis`);
    }
    expect(() => softmax(x, 5)).toThrow(/^softmax: axis 5/);
    expect(() => logSoftmax(x, -4)).toThrow(/^logSoftmax: axis -4/);
  });

  it('max and min of an empty axis throw a ValueError', () => {
    const e = tensor([[], []]);
    expect(() => max(e, 1)).toThrow(ValueError);
    expect(() => min(e, 1)).toThrow(/^min: /);
    expect(sum(e, 1).toArray()).toEqual([0, 0]);
  });
});

describe('junk arguments give typed errors naming the op', () => {
  it('keepDims must be a boolean', () => {
    for (const [name, f] of [['sum', sum], ['mean', mean], ['max', max], ['min', min]] as const) {
      expect(() => f(tensor([1, 2]), 0, 'yes' as unknown as boolean)).toThrow(ValueError);
      expect(() => f(tensor([1, 2]), 0, 1 as unknown as boolean)).toThrow(new RegExp(`^${name}: keepDims must be true or false`));
    }
  });

  it('composites (minimum, min, std) name themselves when an op they call refuses the input, with its class', () => {
    expect(() => minimum(tensor([[1, 2, 3]]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => minimum(tensor([[1, 2, 3]]), tensor([1, 2]))).toThrow(/^minimum: shapes \[1, 3\] and \[2\] cannot be broadcast together/);
    expect(() => minimum(tensor([1]), 'x' as unknown as number)).toThrow(/^minimum: expected a Tensor or a number, got "x"$/);
    expect(() => min(tensor([1, 2]), 3)).toThrow(/^min: axis 3 is out of range/);
    expect(() => min(tensor([[1], [2]]).slice([null, [0, 0]]), 1)).toThrow(/^min: cannot reduce over a zero-size axis of a tensor of shape \[2, 0\]/);
    expect(() => std(tensor([1, 2]), 0, false, -1)).toThrow(ValueError);
    expect(() => std(tensor([1, 2]), 0, false, -1)).toThrow(/^std: correction must be a finite non-negative number/);
    expect(() => std(tensor([1, 2]), 2)).toThrow(/^std: axis 2 is out of range/);
  });

  it('an axis that is not an integer, or a list where one axis goes, is named as such (not "out of range")', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => sum(x, 1.5)).toThrow(ShapeError);
    expect(() => sum(x, 1.5)).toThrow(/^sum: axis must be an integer, got 1\.5$/);
    expect(() => mean(x, [0, 0.5])).toThrow(/^mean: axis must be an integer, got 0\.5$/);
    expect(() => expandDims(x, [0, 1] as never)).toThrow(/^expandDims: a single axis is expected here, got the list \[0, 1\]$/);
    expect(() => softmax(x, 0.5)).toThrow(/^softmax: axis must be an integer/);
    expect(() => gather(x, [0, 1], [1] as never)).toThrow(/^gather: a single axis is expected here/);
    expect(() => transpose(x, [0.5, 1])).toThrow(/^transpose: axis must be an integer, got 0\.5$/);
    // Still out of range when it is an integer.
    expect(() => sum(x, 2)).toThrow(/^sum: axis 2 is out of range for a tensor with 2 dimensions$/);
  });
});

describe('the NumPy/PyTorch extras', () => {
  it('argmax / argmin: per axis or flat, first occurrence at a tie, NaN wins, outside the graph', () => {
    const x = leaf([[1, 5, 5], [7, 0, -2]]);
    expect(ops.argmax(x, 1).toArray()).toEqual([1, 0]); // the tie at 5 goes to the first
    expect(ops.argmin(x, 0).toArray()).toEqual([0, 1, 1]);
    expect(ops.argmax(x).item()).toBe(3); // flat row-major index of 7
    expect(x.argmin(null, true).shape).toEqual([1, 1]);
    expect(x.argmax(-1, true).toArray()).toEqual([[1], [0]]);
    expect(ops.argmax(tensor([1, NaN, 3])).item()).toBe(1);
    expect(ops.argmax(x, 1).requiresGrad).toBe(false);
    expect(() => ops.argmax(tensor([]))).toThrow(/^argmax: cannot take the argmax of a zero-size tensor/);
    expect(() => ops.argmin(x, 2)).toThrow(/^argmin: axis 2 is out of range/);
  });

  it('logsumexp: stable for huge logits and -Infinity lanes, gradient = softmax', () => {
    expect(ops.logsumexp(tensor([1e300, 1e300])).item()).toBe(1e300 + Math.log(2));
    expect(ops.logsumexp(tensor([[0, Math.log(3)], [-Infinity, -Infinity]]), 1).toArray()).toEqual([Math.log(4), -Infinity]);
    const x = leaf([[1, 2, 3], [0, 0, 0]]);
    const y = x.logsumexp(-1, true);
    expect(y.shape).toEqual([2, 1]);
    expect(y.data[1]).toBeCloseTo(Math.log(3), 15);
    y.sum().backward();
    const p = softmax(tensor([[1, 2, 3], [0, 0, 0]])).data;
    [...x.grad!.data].forEach((g, i) => expect(g).toBeCloseTo(p[i]!, 15));
  });

  it('variance and std: population by default (NumPy), correction 1 gives PyTorch\'s', () => {
    const x = tensor([[1, 2, 3, 4], [2, 2, 2, 2]]);
    expect(ops.variance(x, 1).toArray()).toEqual([1.25, 0]);
    expect(ops.variance(x, 1, false, 1).data[0]).toBeCloseTo(5 / 3, 15);
    expect(x.std(1, true, 1).shape).toEqual([2, 1]);
    expect(ops.std(tensor([1, 2, 3, 4])).item()).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(ops.variance(tensor([5]), null, false, 1).item()).toBeNaN(); // N - correction = 0: 0/0
    const v = leaf([1, 2, 4]);
    ops.variance(v).backward(); // d/dx_i = 2 (x_i - mean) / N
    [...v.grad!.data].forEach((g, i) => expect(g).toBeCloseTo((2 * ([1, 2, 4][i]! - 7 / 3)) / 3, 15));
    expect(() => ops.variance(x, 1, false, -1)).toThrow(/^variance: correction must be a finite non-negative number/);
    expect(() => ops.std(x, 0, false, NaN)).toThrow(/^std: correction/);
  });
});

// Shape ops: NumPy semantics of slice, gather, take, concat/stack, reshape and friends, views, .T.
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, arange, noGrad, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { concat, expandDims, gather, reshape, slice, squeeze, stack, transpose } from '@tensorgrad/ops';
import { leaf } from './leaf.js';

describe('shape ops', () => {
  const x = arange(12).reshape([3, 4]);

  it('slice follows NumPy basic indexing', () => {
    expect(slice(x, [[1]]).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(slice(x, [null, [1, 3]]).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(slice(x, [-1]).toArray()).toEqual([8, 9, 10, 11]);
    expect(slice(x, [1, -1]).item()).toBe(7);
    expect(slice(x, [[null, null, -1], [null, null, 2]]).toArray()).toEqual([[8, 10], [4, 6], [0, 2]]);
    expect(slice(x, [[5, 10]]).shape).toEqual([0, 4]);
    expect(slice(x, [[-100, 100, 2]]).toArray()).toEqual([[0, 1, 2, 3], [8, 9, 10, 11]]);
    expect(slice(x, [[2, 0, -1], [3, -5, -2]]).toArray()).toEqual([[11, 9], [7, 5]]);
    expect(x.slice([0]).toArray()).toEqual([0, 1, 2, 3]);
  });

  it('transpose backward passes a contiguous transpose of dy through without a copy, and the leaf still owns its .grad', () => {
    const W = leaf([[1, 2], [3, 4], [5, 6]]);
    // dy: the transpose of a contiguous [3, 2] buffer, so transpose(dy) is contiguous over that buffer.
    const dy = transpose(tensor([[10, 20], [30, 40], [50, 60]]));
    transpose(W).backward(dy);
    expect(W.grad!.toArray()).toEqual([[10, 20], [30, 40], [50, 60]]);
    expect(W.grad!.isContiguous).toBe(true);
    noGrad(() => W.grad!.mutate((d) => d.fill(0)));
    expect(dy.toArray()).toEqual([[10, 30, 50], [20, 40, 60]]);
  });

  it('slice backward scatters into a zero tensor', () => {
    const t = leaf([[1, 2, 3], [4, 5, 6]]);
    slice(t, [null, [null, null, -2]]).backward(tensor([[1, 2], [3, 4]]));
    expect(t.grad!.toArray()).toEqual([[2, 0, 1], [4, 0, 3]]);
  });

  it('slice errors name the op', () => {
    expect(() => slice(x, [3])).toThrow(ShapeError);
    expect(() => slice(x, [3])).toThrow(/^slice: index 3 is out of range for axis 0 of a tensor of shape \[3, 4\]/);
    expect(() => slice(x, [null, null, null])).toThrow(/^slice: 3 specs for a tensor of shape \[3, 4\]/);
    expect(() => slice(x, [[0, 2, 0]])).toThrow(ValueError);
    expect(() => slice(x, [1.5])).toThrow(ValueError);
  });

  it('gather picks one entry per row (scores[i, y_i]) and scatters the gradient back', () => {
    const scores = leaf([[1, 2, 3], [4, 5, 6]]);
    const picked = gather(scores, [2, 0]);
    expect(picked.toArray()).toEqual([3, 4]);
    picked.backward(tensor([10, 20]));
    expect(scores.grad!.toArray()).toEqual([[0, 0, 10], [20, 0, 0]]);
    expect(gather(x, tensor([[0, 1, 2, 0]]), 0).toArray()).toEqual([[0, 5, 10, 3]]);
    expect(gather(x, Int32Array.from([3, 3, 3])).toArray()).toEqual([3, 7, 11]);
  });

  it('gather rejects out-of-range, non-integer and mis-shaped indices', () => {
    expect(() => gather(x, [0, 4, 1])).toThrow(ValueError);
    expect(() => gather(x, [0, 4, 1])).toThrow(/^gather: index 4 at position 1 is out of range \[0, 4\) for x of shape \[3, 4\]/);
    expect(() => gather(x, [0, -1, 1])).toThrow(ValueError);
    expect(() => gather(x, [0, 1.5, 1])).toThrow(/^gather: index 1.5 at position 1 is not an integer/);
    expect(() => gather(x, [0, 1])).toThrow(ShapeError);
    expect(() => gather(x, [0, 1], 2)).toThrow(/^gather: axis 2 is out of range/);
  });

  it('gather on a 1-d x selects by an index list; m indices per lane along any axis (take_along_axis)', () => {
    const v = leaf([10, 20, 30]);
    const picked = gather(v, [2, 0, 2, 1]); // used to be a ShapeError (expected [] or [1])
    expect(picked.toArray()).toEqual([30, 10, 30, 20]);
    picked.backward(tensor([1, 2, 3, 4]));
    expect(v.grad!.toArray()).toEqual([2, 4, 4]); // index 2 twice: 1 + 3
    expect(gather(v, tensor(1)).toArray()).toEqual(20); // a 0-d index: one entry
    expect(gather(x, tensor([[3, 0], [1, 1], [2, 0]])).toArray()).toEqual([[3, 0], [5, 5], [10, 8]]);
    expect(gather(x, tensor([[2, 0, 1, 2], [0, 0, 0, 0]]), 0).toArray()).toEqual([[8, 1, 6, 11], [0, 1, 2, 3]]);
    expect(() => gather(x, tensor([[3, 0], [1, 1]]))).toThrow(/^gather: indices of shape \[2, 2\] do not match x of shape \[3, 4\] along axis 1: expected \[3\] \(one index per lane\) or \[3, m\] \(m per lane\); to select whole slices use take$/);
  });

  it('take selects whole slices (NumPy take, torch index_select); repeated indices accumulate their gradients', () => {
    const E = leaf([[1, 2], [3, 4], [5, 6]]);
    const rows = ops.take(E, [2, 0, 2]);
    expect(rows.toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
    rows.backward(tensor([[1, 1], [2, 2], [10, 20]]));
    expect(E.grad!.toArray()).toEqual([[2, 2], [0, 0], [11, 21]]);
    expect(ops.take(x, [-1, 0], 1).toArray()).toEqual([[3, 0], [7, 4], [11, 8]]); // x[:, [-1, 0]]
    expect(x.take(tensor([[1, 1], [0, 2]]), 0).shape).toEqual([2, 2, 4]); // x.shape[:0] + [2, 2] + x.shape[1:]
    expect(ops.take(x, tensor([[1, 1], [0, 2]]), 0).toArray()[1][1]).toEqual([8, 9, 10, 11]);
    expect(ops.take(x, [], 0).shape).toEqual([0, 4]);
    expect(() => ops.take(x, [3])).toThrow(ValueError);
    expect(() => ops.take(x, [3])).toThrow(/^take: index 3 at position 0 is out of range \[-3, 3\) for x of shape \[3, 4\] along axis 0$/);
    expect(() => ops.take(x, [0.5])).toThrow(/^take: index 0.5 at position 0 is not an integer/);
    expect(() => ops.take(x, [[0, 1]] as never)).toThrow(/^take: indices must be flat/);
    expect(() => ops.take(x, [0], 2)).toThrow(/^take: axis 2 is out of range/);
  });

  it('concat and stack join along an axis; their errors name the op and the shapes', () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4], [5, 6]]);
    expect(concat([a, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(concat([b, b], -1).toArray()).toEqual([[3, 4, 3, 4], [5, 6, 5, 6]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(() => concat([a, tensor([[1, 2, 3]])])).toThrow(/^concat: shapes \[1, 2\], \[1, 3\] differ outside axis 0/);
    expect(() => concat([])).toThrow(ValueError);
    expect(() => stack([a, b])).toThrow(/^stack: all tensors must have the same shape, got \[1, 2\], \[2, 2\]/);
    const p = leaf([1, 2]);
    const q = leaf([3]);
    concat([p, q]).backward(tensor([10, 20, 30]));
    expect([p.grad!.toArray(), q.grad!.toArray()]).toEqual([[10, 20], [30]]);
  });

  it('reshape (with -1), expandDims, squeeze, transpose', () => {
    expect(reshape(x, [2, -1]).shape).toEqual([2, 6]);
    expect(() => reshape(x, [5, -1])).toThrow(/^reshape: cannot reshape a tensor of shape \[3, 4\]/);
    expect(expandDims(x, 1).shape).toEqual([3, 1, 4]);
    expect(expandDims(x, -1).shape).toEqual([3, 4, 1]);
    expect(squeeze(tensor([[[1], [2]]])).shape).toEqual([2]);
    expect(squeeze(tensor([[[1], [2]]]), -1).shape).toEqual([1, 2]);
    expect(() => squeeze(x, 0)).toThrow(/^squeeze: cannot squeeze axis 0 of length 3/);
    expect(transpose(x).toArray()[0]).toEqual([0, 4, 8]);
    expect(transpose(arange(6).reshape([1, 2, 3]), [2, 0, 1]).shape).toEqual([3, 1, 2]);
    expect(() => transpose(x, [0, 0])).toThrow(ShapeError);
  });
});

describe('the NumPy/PyTorch extras', () => {
  it('flatten merges startAxis..endAxis (a view), clone copies and stays in the graph', () => {
    const x = arange(24).reshape([2, 3, 4]);
    expect(ops.flatten(x).shape).toEqual([24]);
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.flatten(0, 1).shape).toEqual([6, 4]);
    expect(ops.flatten(tensor(3)).shape).toEqual([1]);
    expect(() => x.flatten(2, 1)).toThrow(/^flatten: startAxis 2 comes after endAxis 1/);
    expect(() => x.flatten(3)).toThrow(/^flatten: axis 3 is out of range/);
    const a = tensor([1, 2]);
    const c = ops.clone(a);
    c.mutate((d) => (d[0] = 100));
    expect(c.toArray()).toEqual([100, 2]);
    expect(a.toArray()).toEqual([1, 2]);
    const b = leaf([1, 2]);
    b.clone().mul(3).sum().backward();
    expect(b.grad!.toArray()).toEqual([3, 3]);
  });

  it('.T reverses every axis (NumPy), as a view', () => {
    const x = arange(6).reshape([2, 3]);
    expect(x.T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(arange(24).reshape([2, 3, 4]).T.shape).toEqual([4, 3, 2]);
    expect(tensor([1, 2]).T.toArray()).toEqual([1, 2]);
    expect(x.T.isContiguous).toBe(false);
  });
});

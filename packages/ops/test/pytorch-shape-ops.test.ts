// PyTorch's shape ops by their PyTorch names: unsqueeze, permute, view, split, chunk, flip, pad, cumsum. Which
// are views, their gradients (split and chunk are not ops of their own, so not in the op table: checked here),
// and their refusals. (Values against PyTorch: torch-ops.test.ts.)
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, fromData, tensor, type Tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { gradcheck } from '@tensorgrad/ops';
import { normal } from './op-table.js';

const arange = (shape: number[]): Tensor => fromData(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape);

describe('unsqueeze and permute', () => {
  it('unsqueeze is expandDims under PyTorch\'s name, an export and a method', () => {
    expect(ops.unsqueeze).toBe(ops.expandDims);
    expect(arange([2, 3]).unsqueeze(0).shape).toEqual([1, 2, 3]);
    expect(arange([2, 3]).unsqueeze(-1).shape).toEqual([2, 3, 1]);
  });

  it('permute is a view with the axes reordered; the permutation is required and checked under its name', () => {
    const x = arange([2, 3, 4]);
    const y = x.permute([2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    expect(y.nd.data).toBe(x.nd.data);
    expect(y.toArray()).toEqual(ops.transpose(x, [2, 0, 1]).toArray());
    expect(() => ops.permute(x, [0, 1])).toThrow(/^permute: \[0, 1\] names 2 axes, a tensor of shape \[2, 3, 4\] has 3 \(such as \[2, 1, 0\]\)$/);
    expect(() => ops.permute(x, [0, 1, 1])).toThrow(/^permute: \[0, 1, 1\] repeats an axis/);
    expect(() => ops.permute(x, [0, 1, 3])).toThrow(/^permute: axis 3 is out of range/);
    expect(() => ops.permute(x, undefined as unknown as number[])).toThrow(ShapeError);
    const loose = x as unknown as Record<string, (...args: unknown[]) => Tensor>;
    expect(() => loose.permute!.call(x, 2, 0, 1)).toThrow(/^permute: axes is one array, a permutation of all the axes: x\.permute\(\[2, 0, 1\]\), not x\.permute\(2, 0, 1\)$/);
  });
});

describe('view', () => {
  it('shares storage, splits an axis of a transposed tensor (a view PyTorch also allows), refuses a merge that needs a copy', () => {
    const x = arange([4, 6]);
    const t = x.T; // [6, 4], strides [1, 6]
    const v = t.view([3, 2, 4]);
    expect(v.nd.data).toBe(x.nd.data);
    expect(v.nd.stride).toEqual([2, 1, 6]);
    expect(v.toArray()).toEqual(t.reshape([3, 2, 4]).toArray());
    expect(() => t.view([24])).toThrow(ShapeError);
    expect(() => t.view([24])).toThrow(
      /^view: a tensor of shape \[6, 4\] with strides \[1, 6\] cannot be viewed as \[24\] without a copy \(its axes are not contiguous where they would merge or split\); use reshape, which copies$/,
    );
    expect(() => x.view([5, -1])).toThrow(/^view: cannot reshape a tensor of shape \[4, 6\] \(24 elements\) into \[5, -1\]$/);
    const loose = x as unknown as Record<string, (...args: unknown[]) => Tensor>;
    expect(() => loose.view!.call(x, 3, 8)).toThrow(/^view: the shape is one array: x\.view\(\[3, 8\]\), not x\.view\(3, 8\)$/);
  });

  it('a write through the view is seen by x (and a write to x bumps the version backward checks)', () => {
    const x = arange([2, 3]);
    const v = x.view([3, 2]);
    v.mutate((d) => (d[0] = 100));
    expect(x.data[0]).toBe(100);
  });

  it('views 0-d tensors and empty ones, as PyTorch', () => {
    expect(tensor(3).view([1, 1]).toArray()).toEqual([[3]]);
    expect(fromData(new Float64Array(0), [0, 3]).view([3, 0]).shape).toEqual([3, 0]);
  });
});

describe('split and chunk', () => {
  it('split by size: pieces of that length along the axis, the last shorter, each a view', () => {
    const x = arange([2, 5]);
    const pieces = x.split(2, 1);
    expect(pieces.map((p) => p.shape)).toEqual([[2, 2], [2, 2], [2, 1]]);
    expect(pieces[2]!.toArray()).toEqual([[4], [9]]);
    for (const p of pieces) expect(p.nd.data).toBe(x.nd.data);
    expect(ops.split(x, [1, 0, 4], -1).map((p) => p.shape)).toEqual([[2, 1], [2, 0], [2, 4]]);
    expect(ops.split(fromData(new Float64Array(0), [0, 2]), 3).map((p) => p.shape)).toEqual([[0, 2]]);
  });

  it('chunk gives ceil(n / chunks)-long pieces, so possibly fewer than asked (6 into 4: three of 2), and empty axes give chunks empty pieces', () => {
    expect(ops.chunk(arange([6]), 4).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(ops.chunk(arange([5]), 3).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(ops.chunk(fromData(new Float64Array(0), [0, 3]), 3).map((p) => p.shape)).toEqual([[0, 3], [0, 3], [0, 3]]);
  });

  it('gradients flow back through every piece (gradcheck), pieces used or not', () => {
    const x = normal([3, 5]);
    const split = gradcheck((t) => {
      const [a, b, c] = ops.split(t, [2, 1, 2], 1);
      return ops.concat([ops.mul(c!, 2), ops.exp(a!), b!], 1);
    }, [x]);
    expect(split.ok, JSON.stringify(split.worst)).toBe(true);
    const chunk = gradcheck((t) => ops.mul(ops.chunk(t, 2, 0)[0]!, 3), [normal([4, 2])]);
    expect(chunk.ok).toBe(true);
    const leaf = fromData(Float64Array.from({ length: 4 }, (_, i) => i), [4], { requiresGrad: true });
    ops.chunk(leaf, 2)[1]!.sum().backward();
    expect(leaf.grad!.toArray()).toEqual([0, 0, 1, 1]);
  });

  it('refuses sizes that do not add up, a zero or fractional size, a 0-d tensor, and chunks < 1', () => {
    const x = arange([2, 5]);
    expect(() => ops.split(x, [2, 2], 1)).toThrow(/^split: piece sizes \[2, 2\] add up to 4, but axis 1 of a tensor of shape \[2, 5\] has length 5$/);
    expect(() => ops.split(x, 0, 1)).toThrow(/^split: the piece size can be 0 only for an empty axis/);
    expect(() => ops.split(x, 1.5)).toThrow(ValueError);
    expect(() => ops.split(x, [2, -1, 4], 1)).toThrow(ValueError);
    expect(() => ops.split(tensor(1), 1)).toThrow(/^split: cannot split a 0-d tensor/);
    expect(() => ops.split(x, 1, 2)).toThrow(/^split: axis 2 is out of range/);
    expect(() => ops.chunk(x, 0)).toThrow(/^chunk: chunks must be a positive integer, got 0$/);
    expect(() => ops.chunk(tensor(1), 2)).toThrow(ShapeError);
  });
});

describe('flip', () => {
  it('is a view with negative strides; its own inverse', () => {
    const x = arange([2, 3]);
    const y = x.flip([1]);
    expect(y.toArray()).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(y.nd.data).toBe(x.nd.data);
    expect(ops.flip(x, [0, 1]).toArray()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(y.flip([-1]).toArray()).toEqual(x.toArray());
    expect(ops.flip(x, []).toArray()).toEqual(x.toArray());
  });

  it('refuses a repeated axis, an axis out of range, a bare number', () => {
    const x = arange([2, 3]);
    expect(() => ops.flip(x, [1, -1])).toThrow(/^flip: axis \[1, -1\] names an axis twice$/);
    expect(() => ops.flip(x, [2])).toThrow(ShapeError);
    expect(() => ops.flip(x, 0 as unknown as number[])).toThrow(/^flip: axes must be a list of axes, such as \[0\], got 0$/);
    const loose = x as unknown as Record<string, (...args: unknown[]) => Tensor>;
    expect(() => loose.flip!.call(x, 0)).toThrow(/^flip: axes is one array: x\.flip\(\[0\]\), not x\.flip\(0\)$/);
  });
});

describe('pad', () => {
  it('pads the last axis first: [1, 2] on a row; [0, 0, 1, 0] adds a row on top; value fills', () => {
    expect(ops.pad(tensor([1, 2]), [1, 2]).toArray()).toEqual([0, 1, 2, 0, 0]);
    expect(ops.pad(tensor([[1, 2]]), [0, 0, 1, 0], 'constant', 9).toArray()).toEqual([[9, 9], [1, 2]]);
    expect(ops.pad(tensor([[1, 2], [3, 4]]), [1, 0]).toArray()).toEqual([[0, 1, 2], [0, 3, 4]]);
  });

  it('negative counts crop, to an empty axis at most; the gradient of cropped entries is 0', () => {
    expect(ops.pad(tensor([0, 1, 2, 3, 4]), [-2, 1]).toArray()).toEqual([2, 3, 4, 0]);
    expect(ops.pad(tensor([0, 1, 2, 3, 4]), [-3, -2]).shape).toEqual([0]);
    const x = fromData(Float64Array.from([0, 1, 2, 3, 4]), [5], { requiresGrad: true });
    ops.pad(x, [-2, 1]).mul(tensor([1, 2, 3, 4])).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1, 2, 3]);
  });

  it('reads a strided x (a transpose)', () => {
    expect(ops.pad(tensor([[1, 2], [3, 4]]).T, [0, 1, 1, 0]).toArray()).toEqual([[0, 0, 0], [1, 3, 0], [2, 4, 0]]);
  });

  it('refuses an odd-length or too long list, crops below zero, other modes', () => {
    const x = tensor([[1, 2]]);
    expect(() => ops.pad(x, [1])).toThrow(/^pad: padding \[1\] has an odd length/);
    expect(() => ops.pad(x, [1, 1, 1, 1, 1, 1])).toThrow(/^pad: padding \[1, 1, 1, 1, 1, 1\] pads 3 axes, a tensor of shape \[1, 2\] has 2$/);
    expect(() => ops.pad(tensor(5), [1, 1])).toThrow(/^pad: padding \[1, 1\] pads 1 axis, a tensor of shape \[\] has 0$/);
    expect(() => ops.permute(x, [0])).toThrow(/^permute: \[0\] names 1 axis, a tensor of shape \[1, 2\] has 2/);
    expect(() => ops.pad(x, [-2, -1])).toThrow(/^pad: padding \[-2, -1\] crops axis 1 of a tensor of shape \[1, 2\] to a negative length -1$/);
    expect(() => ops.pad(x, [1, 1], 'reflect' as 'constant')).toThrow(/^pad: mode must be 'constant' \(the only one implemented\), got "reflect"$/);
    expect(() => ops.pad(x, [0.5, 1])).toThrow(ValueError);
  });
});

describe('cumsum', () => {
  it('running sums along the axis; the gradient is the running sum from the other end', () => {
    const x = fromData(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3], { requiresGrad: true });
    const y = x.cumsum(1);
    expect(y.toArray()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(x.cumsum(0).toArray()).toEqual([[1, 2, 3], [5, 7, 9]]);
    y.backward(tensor([[1, 0, 0], [0, 0, 1]]));
    expect(x.grad!.toArray()).toEqual([[1, 0, 0], [1, 1, 1]]);
    expect(ops.cumsum(tensor(2), 0).item()).toBe(2);
  });

  it('refuses a missing or out-of-range axis', () => {
    expect(() => ops.cumsum(tensor([1, 2]), undefined as unknown as number)).toThrow(/^cumsum: axis must be an integer, got undefined$/);
    expect(() => ops.cumsum(tensor([1, 2]), 1)).toThrow(ShapeError);
  });
});

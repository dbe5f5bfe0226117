// Issue 14 item 9: writing into a broadcast view (a stride-0 axis of length > 1, where several elements
// are one storage location) is refused, as PyTorch refuses it ("more than one element of the written-to
// tensor refers to a single memory location"): before, the last write won silently. Nothing changes: the
// storage, the version counter, and `write` is never called.
import { describe, expect, it } from 'vitest';
import { ValueError, noGrad, tensor, viewOf } from '@tensorgrad/core';

describe('mutate on a broadcast view', () => {
  it('is a ValueError naming mutate, the view and the axis; the storage and the version stay', () => {
    const x = tensor([1, 2, 3], { name: 'x' });
    const v = viewOf(x, [2, 3], [0, 1]); // x broadcast to [2, 3]
    let called = false;
    let caught: unknown;
    try {
      v.mutate((d) => {
        called = true;
        d.fill(7);
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValueError);
    const error = caught as ValueError;
    expect(error.op).toBe('mutate');
    expect(error.message).toBe(
      "mutate: a tensor of shape [2, 3] (a view of 'x' of shape [3]) is a broadcast view (stride 0 along axis 0, of length 2): more than one of its elements refers to a single memory location, so it cannot be written in place; write into a copy (clone()) or into the tensor it was broadcast from",
    );
    expect(called).toBe(false);
    expect(x.toArray()).toEqual([1, 2, 3]);
    expect(x.version).toBe(0);
    expect(v.version).toBe(0);
  });

  it('a scalar broadcast along a later axis, and under noGrad on a tensor that requires grad, is refused too', () => {
    const w = tensor([[5], [6]], { requiresGrad: true });
    const v = viewOf(w, [2, 4], [1, 0]);
    expect(() => noGrad(() => v.mutate((d) => d.fill(0)))).toThrow(/stride 0 along axis 1, of length 4/);
    expect(w.toArray()).toEqual([[5], [6]]);
    expect(w.version).toBe(0);
  });

  it('views that repeat nothing are still written: stride 0 on a length-1 axis, empty views, transposes, slices', () => {
    const x = tensor([[1, 2], [3, 4]]);
    viewOf(x, [1, 2], [0, 1]).mutate((d) => d.set([10, 20])); // the matrix-times-vector view of a row
    expect(x.toArray()).toEqual([[10, 20], [3, 4]]);
    viewOf(x, [2, 2], [1, 2]).mutate((d) => d.set([1, 2, 3, 4])); // the transpose
    expect(x.toArray()).toEqual([[1, 3], [2, 4]]);
    viewOf(x, [0, 5], [0, 0]).mutate(() => undefined); // no element at all: nothing repeats
    expect(x.version).toBe(3);
  });
});

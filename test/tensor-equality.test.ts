import { describe, expect, it, vi } from 'vitest';
import { deepStrictEqual, notDeepStrictEqual } from 'node:assert';
import { failure } from './expectation-failure.js';
import { Tensor, tensor, zeros, ones, fromData, viewOf, arange, noGrad, type TensorOptions } from '@tensorgrad/core';
import { add, broadcastTo, mul, reshape, slice, sum, transpose } from '@tensorgrad/ops';

// Plain toEqual/toStrictEqual, with nothing imported or registered: what a new user writes first.

describe('toEqual on tensors compares shape and values', () => {
  it('fails on a different value, and .not.toEqual passes', () => {
    expect(() => expect(tensor([1, 2])).toEqual(tensor([1, 3]))).toThrow(/expected tensor\(\[1\., 2\.\]\) to deeply equal tensor\(\[1\., 3\.\]\)/);
    expect(tensor([1, 2])).not.toEqual(tensor([1, 3]));
    expect(tensor([1, 2])).toEqual(tensor([1, 2]));
    expect(() => expect(tensor([1, 2])).not.toEqual(tensor([1, 2]))).toThrow(/to not deeply equal/);
  });

  it('fails on a different shape, even with the same values or the same element count', () => {
    expect(zeros([1000, 1000])).not.toEqual(tensor(7));
    expect(zeros([1000, 1000])).not.toEqual(zeros([1000]));
    expect(arange(6).reshape([2, 3])).not.toEqual(arange(6).reshape([3, 2]));
    expect(arange(6).reshape([2, 3])).not.toEqual(arange(6));
    expect(tensor([5])).not.toEqual(tensor(5));
    expect(tensor([[5]])).not.toEqual(tensor([5]));
    expect(zeros([2, 0])).not.toEqual(zeros([0]));
    expect(zeros([0, 3])).not.toEqual(zeros([3, 0]));
    expect(zeros([2, 0])).toEqual(zeros([2, 0]));
  });

  it('compares a shape mismatch before the values: a million-element tensor against a scalar fails at once', () => {
    const big = zeros([1000, 1000]);
    const start = performance.now();
    expect(() => expect(big).toEqual(tensor(7))).toThrow();
    // Walking the million values as a typed array would take seconds.
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('ignores layout: a transposed, sliced or broadcast view equals its contiguous copy', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    const t = transpose(m);
    expect(t.isContiguous).toBe(false);
    expect(t).toEqual(tensor([[1, 4], [2, 5], [3, 6]]));
    expect(tensor([[1, 4], [2, 5], [3, 6]])).toEqual(t);
    expect(t).toStrictEqual(tensor([[1, 4], [2, 5], [3, 6]]));
    expect(t).not.toEqual(tensor([[1, 4], [2, 5], [3, 7]]));
    // Two views with different strides over different storage.
    expect(transpose(transpose(t))).toEqual(transpose(tensor([[1, 2, 3], [4, 5, 6]])));
    expect(transpose(transpose(t))).not.toEqual(transpose(tensor([[1, 2, 3], [4, 5, 7]])));
    expect(slice(m, [null, [1, 3]])).toEqual(tensor([[2, 3], [5, 6]]));
    const row = tensor([1, 2, 3]);
    expect(broadcastTo(row, [2, 3])).toEqual(tensor([[1, 2, 3], [1, 2, 3]]));
    expect(broadcastTo(row, [2, 3])).not.toEqual(tensor([[1, 2, 3], [1, 2, 4]]));
    // A view into the middle of a larger storage (offset), one element.
    const storage = Float64Array.from([9, 8, 7, 6]);
    expect(viewOf(fromData(storage, [4]), [1], [1], 2)).toEqual(tensor([7]));
  });

  it('sees an in-place write through mutate', () => {
    const t = zeros([3]);
    const before = tensor([0, 0, 0]);
    expect(t).toEqual(before);
    noGrad(() => t.mutate((d) => (d[1] = 4)));
    expect(t).toEqual(tensor([0, 4, 0]));
    expect(t).not.toEqual(before);
  });

  it('ignores requiresGrad, name, .grad and history, as torch.equal', () => {
    const x = tensor([1, 2], { requiresGrad: true, name: 'x' });
    expect(x).toEqual(tensor([1, 2]));
    expect(x).toStrictEqual(tensor([1, 2]));
    const y = mul(x, 2);
    sum(y).backward();
    expect(x.grad).toEqual(tensor([2, 2]));
    expect(y).toEqual(tensor([2, 4]));
    expect(y).toStrictEqual(tensor([2, 4]));
    expect(x).toEqual(tensor([1, 2]).named('other'));
    expect(x.detach()).toEqual(x);
  });

  it('compares numbers as vitest does: NaN equals NaN, -0 differs from 0', () => {
    expect(tensor([NaN, 1])).toEqual(tensor([NaN, 1]));
    expect(tensor([Infinity, -Infinity])).toEqual(tensor([Infinity, -Infinity]));
    expect(tensor([-0])).not.toEqual(tensor([0]));
    // A tolerance, or 0 and -0 alike: toBeCloseToTensor (tensorgrad/vitest) or assertClose.
    expect(tensor([0.1 + 0.2])).not.toEqual(tensor([0.3]));
  });

  it('works inside objects, arrays, containment matchers and mock calls', () => {
    const w = transpose(tensor([[1, 2], [3, 4]]));
    expect({ w, b: tensor([0]) }).toEqual({ w: tensor([[1, 3], [2, 4]]), b: tensor([0]) });
    expect({ w, b: tensor([0]) }).not.toEqual({ w: tensor([[1, 3], [2, 5]]), b: tensor([0]) });
    expect([tensor([1]), tensor([2])]).toContainEqual(tensor([2]));
    expect([tensor([1]), tensor([2])]).not.toContainEqual(tensor([3]));
    // Containment matchers compare without vitest's iterable tester: two views of different layouts.
    expect({ w }).toEqual(expect.objectContaining({ w: transpose(transpose(tensor([[1, 3], [2, 4]]))) }));
    expect({ w }).not.toEqual(expect.objectContaining({ w: transpose(tensor([[1, 2], [3, 5]])) }));
    expect([w]).toEqual(expect.arrayContaining([tensor([[1, 3], [2, 4]])]));
    expect({ w }).toHaveProperty('w', tensor([[1, 3], [2, 4]]));
    expect({ w }).not.toHaveProperty('w', tensor([[1, 3], [2, 5]]));
    const f = vi.fn();
    f(tensor([1, 2]));
    expect(f).toHaveBeenCalledWith(tensor([1, 2]));
    expect(f).not.toHaveBeenCalledWith(tensor([1, 3]));
  });

  it('works with node:assert deepStrictEqual too', () => {
    deepStrictEqual(transpose(tensor([[1, 2], [3, 4]])), tensor([[1, 3], [2, 4]]));
    notDeepStrictEqual(tensor([1, 2]), tensor([1, 3]));
    notDeepStrictEqual(arange(4).reshape([2, 2]), arange(4));
  });

  it('has exactly two own enumerable properties, the values and the shape', () => {
    const t = add(tensor([[1, 2]], { requiresGrad: true, name: 't' }), 1);
    const own = Reflect.ownKeys(t).filter((key) => Object.prototype.propertyIsEnumerable.call(t, key));
    expect(own.map(String)).toEqual(['Symbol(tensorgrad.values)', 'Symbol(tensorgrad.shape)']);
    expect(Object.keys(t)).toEqual([]);
    // Internals stay reachable through their accessors.
    expect(t.name).toBeUndefined();
    expect(t._node?.op).toBe('add');
    t.name = 'u';
    expect(t.name).toBe('u');
    expect(JSON.stringify(t)).toBe('[[2,3]]');
  });

  it('reports a failure with the tensors printed and a diff of values and shape', () => {
    const values = failure(() => expect(tensor([[1, 2], [3, 4]])).toEqual(tensor([[1, 2], [3, 5]])));
    expect(values.message).toContain('expected tensor([[1., 2.],\n        [3., 4.]]) to deeply equal tensor([[1., 2.],\n        [3., 5.]])');
    expect(values.diff).toMatch(/Symbol\(tensorgrad\.values\): Float64Array \[[\s\S]*-\s+5,\n\+\s+4,/);
    expect(values.diff).not.toContain('Compared values have no visual difference');
    const shape = failure(() => expect(zeros([2, 0])).toEqual(zeros([0])));
    expect(shape.message).toContain('expected tensor([], shape=[2, 0]) to deeply equal tensor([])');
    expect(shape.diff).toMatch(/Symbol\(tensorgrad\.shape\): \[\n\+\s+2,\n\s+0,\n\s+\]/);
    const negated = failure(() => expect(ones([2])).not.toEqual(ones([2])));
    expect(negated.message).toContain('expected tensor([1., 1.]) to not deeply equal tensor([1., 1.])');
  });

  it('prints a larger tensor in the message on one line, cut to fit, with its shape (not { Object () })', () => {
    const tall = failure(() => expect(transpose(tensor([[1, 2, 3], [4, 5, 6]]))).toEqual(zeros([3, 2])));
    expect(tall.message).toContain('expected tensor([[1., 4.], [2., 5.], [3., 6.]]) to deeply equal tensor([[0., 0.], [0., 0.], [0., 0.]])');
    const long = failure(() => expect(arange(100)).toEqual(arange(99)));
    expect(long.message).toBe('expected tensor([ 0.,  1.,  2., …, shape=[100]) to deeply equal tensor([ 0.,  1.,  2., …, shape=[99])');
    for (const printed of long.message.match(/tensor\([^)]*\)/g)!) expect(printed.length).toBeLessThan(40);
    expect(long.message).not.toContain('Object (');
    // console.log and util.inspect still print the whole tensor.
    expect(String(arange(100))).toContain('99.');
  });

  it('diffs two large tensors as summaries: shape, first and last values, a checksum (not a line per value)', () => {
    // 90,000 values that all differ: a diff value by value took minutes.
    const a = fromData(Float64Array.from({ length: 300 * 300 }, (_, i) => i), [300, 300]);
    const b = fromData(Float64Array.from({ length: 300 * 300 }, (_, i) => i + 0.5), [300, 300]);
    const all = failure(() => expect(a).toEqual(b));
    expect(all.message).toBe('expected tensor(shape=[300, 300]) to deeply equal tensor(shape=[300, 300])');
    // Expected (-) is b, received (+) is a: the first and last rows and columns of each.
    expect(all.diff).toContain('- "tensor([[5.0000e-01, 1.5000e+00, 2.5000e+00, ..., 2.9750e+02, 2.9850e+02, 2.9950e+02],');
    expect(all.diff).toContain('+ "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 2.9700e+02, 2.9800e+02, 2.9900e+02],');
    expect(all.diff).toContain('+         [8.9700e+04, 8.9701e+04, 8.9702e+04, ..., 8.9997e+04, 8.9998e+04, 8.9999e+04]], shape=[300, 300])');
    expect(all.diff).toMatch(/\n- shape \[300, 300\], 90000 values, checksum [0-9a-f]{8}"\n/);
    expect(all.diff).toMatch(/\n\+ shape \[300, 300\], 90000 values, checksum [0-9a-f]{8}"$/);
    expect(all.diff.split('\n').length).toBeLessThan(30);
    // One value in the middle, which the printed summary leaves out: the checksums still differ.
    const c = a.data.slice();
    c[45_150] = -1;
    const middle = failure(() => expect(a).toEqual(fromData(c, [300, 300])));
    expect(middle.diff).not.toContain('no visual difference');
    const sums = middle.diff.match(/checksum [0-9a-f]{8}/g)!;
    expect(sums).toHaveLength(2);
    expect(sums[0]).not.toBe(sums[1]);
    // Inside an object, next to what differs.
    const nested = failure(() => expect({ w: a, step: 1 }).toEqual({ w: fromData(a.data.slice(), [300, 300]), step: 2 }));
    expect(nested.diff).toMatch(/-\s+"step": 2,\n\+\s+"step": 1,/);
    expect(nested.diff.split('\n').length).toBeLessThan(30);
  });

  it('a copy of a tensor (what a diff prints) is no tensor, and prints without throwing', () => {
    const t = tensor([[1, 2], [3, 4]]);
    const copy = Object.create(Tensor.prototype);
    for (const key of Reflect.ownKeys(t)) copy[key] = (t as any)[key];
    expect(copy).toBeInstanceOf(Tensor);
    expect(Tensor.isTensor(copy)).toBe(false);
    expect(Tensor.isTensor(t)).toBe(true);
    expect(Tensor.isTensor({})).toBe(false);
    expect(String(copy)).toBe(String(t));
    expect(Tensor.fromCopy(copy)).toEqual(t);
    expect(Tensor.fromCopy(t)).toBeNull();
    const empty = Object.create(Tensor.prototype);
    expect(Tensor.fromCopy(empty)).toBeNull();
    expect(String(empty)).toBe('Tensor (an object with the prototype of Tensor but no values and shape)');
    expect(JSON.stringify(empty)).toBe('"Tensor (an object with the prototype of Tensor but no values and shape)"');
  });

  it('leaves the constructor cheap: a tensor owning its storage keeps it as a plain field (no copy)', () => {
    const data = new Float64Array([1, 2, 3, 4]);
    const t = fromData(data, [2, 2]);
    const values = Object.getOwnPropertyDescriptor(t, Symbol.for('tensorgrad.values'))!;
    expect(values.value).toBe(data);
    const view = reshape(transpose(t), [4]);
    expect(Object.getOwnPropertyDescriptor(transpose(t), Symbol.for('tensorgrad.values'))!.get).toBeTypeOf('function');
    expect(view).toEqual(tensor([1, 3, 2, 4]));
  });

  it('subclass-free: every tensor is a Tensor, whatever made it', () => {
    const options: TensorOptions = { requiresGrad: true };
    expect(tensor([1], options)).toBeInstanceOf(Tensor);
    expect(tensor([1], options)).toEqual(tensor([1]));
  });
});

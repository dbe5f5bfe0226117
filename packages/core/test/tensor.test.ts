import { describe, expect, it } from 'vitest';
import ndarray from 'ndarray';
import {
  Tensor,
  ShapeError,
  ValueError,
  GraphError,
  TensorgradError,
  arange,
  fromData,
  fromNdarray,
  noGrad,
  tensor,
  viewOf,
  contiguousData,
  scatterInto,
  zeros,
} from '@tensorgrad/core';

describe('Tensor basics', () => {
  it('exposes shape, ndim, size and row-major data', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.ndim).toBe(2);
    expect(t.size).toBe(6);
    expect(t.data).toBeInstanceOf(Float64Array);
    expect([...t.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.nd.shape).toEqual([2, 3]);
    expect(t.nd.get(1, 2)).toBe(6);
  });

  it('keeps shape, ndim and size read-only', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(() => ((t as any).shape = [4])).toThrow(TypeError);
    expect(() => ((t as any).ndim = 1)).toThrow(TypeError);
    expect(() => ((t as any).size = 1)).toThrow(TypeError);
    expect(() => ((t as any).nd = null)).toThrow(TypeError);
    expect(() => (t.shape as number[]).push(1)).toThrow(TypeError);
    expect(t.shape).toEqual([2, 2]);
  });

  it('item() reads one-element tensors of any rank and refuses others', () => {
    expect(tensor(3.5).item()).toBe(3.5);
    expect(tensor([[7]]).item()).toBe(7);
    expect(() => tensor([1, 2]).item()).toThrow(ShapeError);
    expect(() => tensor([1, 2]).item()).toThrow(/item: .*shape \[2\]/);
  });

  it('toArray() gives nested arrays, a number for 0-d, empty arrays for empty tensors', () => {
    expect(tensor(2).toArray()).toBe(2);
    expect(tensor([1, 2]).toArray()).toEqual([1, 2]);
    expect(arange(6).nd.data.length).toBe(6);
    expect(fromData(Float64Array.from([0, 1, 2, 3, 4, 5]), [2, 1, 3]).toArray()).toEqual([[[0, 1, 2]], [[3, 4, 5]]]);
    expect(zeros([0]).toArray()).toEqual([]);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
  });

  it('fromData wraps without copying and checks the element count', () => {
    const data = new Float64Array([1, 2, 3, 4]);
    const t = fromData(data, [2, 2]);
    expect(t.data).toBe(data);
    expect(() => fromData(data, [3])).toThrow(ShapeError);
    expect(() => fromData(data, [3])).toThrow('fromData: 4 values cannot fill shape [3] (3 elements)');
    expect(() => fromData(new Float64Array(2), [-1, -2])).toThrow('fromData: invalid dimension -1 in shape [-1, -2]');
  });
});

describe('toJSON', () => {
  it('JSON.stringify writes the values as nested arrays, not the internals', () => {
    expect(JSON.stringify(tensor([[1, 2], [3, 4.5]]))).toBe('[[1,2],[3,4.5]]');
    expect(JSON.stringify(tensor(2.5))).toBe('2.5');
    expect(JSON.stringify({ w: tensor([1, 2], { requiresGrad: true }) })).toBe('{"w":[1,2]}');
    // A strided view writes its own row-major values; JSON has no NaN or Infinity: null.
    expect(JSON.stringify(viewOf(arange(6), [3, 2], [1, 3], 0))).toBe('[[0,3],[1,4],[2,5]]');
    expect(JSON.stringify(tensor([NaN, Infinity, 1]))).toBe('[null,null,1]');
    // And it reads back: tensor(JSON.parse(...)) is the same tensor.
    const t = tensor([[0.1, -2], [3e-9, 7]]);
    expect(tensor(JSON.parse(JSON.stringify(t))).toArray()).toEqual(t.toArray());
  });
});

describe('toString', () => {
  it('prints like NumPy/PyTorch: aligned columns, integers with a dot, 4 decimals otherwise', () => {
    expect(tensor(3).toString()).toBe('tensor(3.)');
    expect(tensor(-0.5).toString()).toBe('tensor(-0.5000)');
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(tensor([[0.1, -2.25], [3, 40]]).toString()).toBe('tensor([[ 0.1000, -2.2500],\n        [ 3.0000, 40.0000]])');
    expect(tensor([[[1, 2]], [[3, 4]]]).toString()).toBe('tensor([[[1., 2.]],\n\n        [[3., 4.]]])');
  });

  it('prints a zero-size tensor as [] with its shape, as PyTorch does (tensor([], size=(0, 3)))', () => {
    expect(zeros([0]).toString()).toBe('tensor([])');
    expect(zeros([0, 3]).toString()).toBe('tensor([], shape=[0, 3])');
    expect(zeros([3, 0]).toString()).toBe('tensor([], shape=[3, 0])');
    expect(zeros([2, 0, 4], { requiresGrad: true }).toString()).toBe('tensor([], shape=[2, 0, 4], requiresGrad=true)');
  });

  it('uses exponents for very large or very small magnitudes, and prints nan / inf', () => {
    expect(tensor([1e9, 2]).toString()).toBe('tensor([1.0000e+09, 2.0000e+00])');
    expect(tensor([1e-5, 2e-5]).toString()).toBe('tensor([1.0000e-05, 2.0000e-05])');
    expect(tensor([1, NaN, -Infinity]).toString()).toBe('tensor([  1.,  nan, -inf])');
  });

  it("switches to exponents by NumPy's rule: smallest nonzero < 1e-4, or max/min nonzero > 1e3", () => {
    // Fixed 4 decimals printed these as 0.0000: a value that is there must not print as zero.
    expect(tensor([1e-8, 1]).toString()).toBe('tensor([1.0000e-08, 1.0000e+00])');
    expect(tensor([1e-5, 1, 123456]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00, 1.2346e+05])');
    expect(tensor([0.5, 1000]).toString()).toBe('tensor([5.0000e-01, 1.0000e+03])');
    expect(tensor([1, 123456]).toString()).toBe('tensor([1.0000e+00, 1.2346e+05])');
    expect(tensor(1e-9).toString()).toBe('tensor(1.0000e-09)');
    // Zeros and non-finite values do not count toward the rule; 1e-4 itself and a 1000x span stay fixed.
    expect(tensor([0, 1e-4, 0.1]).toString()).toBe('tensor([0.0000, 0.0001, 0.1000])');
    expect(tensor([0, 1, 1000]).toString()).toBe('tensor([   0.,    1., 1000.])');
    expect(tensor([Infinity, 0.5, 2]).toString()).toBe('tensor([   inf, 0.5000, 2.0000])');
    expect(tensor([NaN, 1e-9, 0]).toString()).toBe('tensor([       nan, 1.0000e-09, 0.0000e+00])');
  });

  it('summarizes tensors over 1000 elements with ... and the shape', () => {
    expect(arange(1000, 3000).toString()).toBe('tensor([1000., 1001., 1002., ..., 2997., 2998., 2999.], shape=[2000])');
    // 1 to 1999 spans more than three decades: scientific, as torch.arange(2000.) prints.
    expect(arange(2000).toString()).toBe('tensor([0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 1.9970e+03, 1.9980e+03, 1.9990e+03], shape=[2000])');
    const big = fromData(arange(1000, 2200).data, [40, 30]).toString().split('\n');
    expect(big[0]).toBe('tensor([[1000., 1001., 1002., ..., 1027., 1028., 1029.],');
    expect(big[3]).toBe('        ...,');
    expect(big.at(-1)).toBe('        [2170., 2171., 2172., ..., 2197., 2198., 2199.]], shape=[40, 30])');
  });

  it('shows empty tensors and whether a tensor takes part in autograd', () => {
    expect(zeros([0]).toString()).toBe('tensor([])');
    expect(tensor([1, 2], { requiresGrad: true }).toString()).toBe('tensor([1., 2.], requiresGrad=true)');
    expect(String(tensor(1))).toBe('tensor(1.)');
  });
});

describe('fromNdarray and nd interop', () => {
  const base = (): ndarray.NdArray<Float64Array> => ndarray(Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), [3, 4]);

  it('views a float64 ndarray without copying; writes through nd are visible', () => {
    const nd = base();
    const t = fromNdarray(nd);
    expect(t.nd).toBe(nd);
    expect(t.data).toBe(nd.data);
    nd.set(0, 0, 42);
    expect(t.toArray()[0][0]).toBe(42);
  });

  it('reads non-contiguous views: transpose, hi, lo, step, pick', () => {
    const transposed = fromNdarray(base().transpose(1, 0));
    expect(transposed.shape).toEqual([4, 3]);
    expect(transposed.isContiguous).toBe(false);
    expect(transposed.toArray()).toEqual([[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    expect([...transposed.data]).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);

    expect(fromNdarray(base().hi(2, 3)).toArray()).toEqual([[0, 1, 2], [4, 5, 6]]);
    expect(fromNdarray(base().lo(1, 2)).toArray()).toEqual([[6, 7], [10, 11]]);
    expect(fromNdarray(base().step(-1, 2)).toArray()).toEqual([[8, 10], [4, 6], [0, 2]]);
    const row = fromNdarray(base().pick(1, null));
    expect(row.shape).toEqual([4]);
    expect(row.toArray()).toEqual([4, 5, 6, 7]);
    expect(fromNdarray(base().pick(2, 3)).item()).toBe(11);
    expect(fromNdarray(base().lo(1, 1).hi(1, 2)).toString()).toBe('tensor([[5., 6.]])');
  });

  it('converts other element types, and refuses non-numeric data', () => {
    const ints = fromNdarray(ndarray(new Int32Array([1, 2, 3, 4]), [2, 2]).transpose(1, 0));
    expect(ints.data).toBeInstanceOf(Float64Array);
    expect(ints.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(fromNdarray(ndarray([5, 6, 7], [3])).toArray()).toEqual([5, 6, 7]);
    expect(() => fromNdarray(ndarray(['a', 'b'] as any, [2]))).toThrow(ValueError);
    expect(() => fromNdarray(ndarray(['a', 'b'] as any, [2]))).toThrow('fromNdarray: non-numeric value a at index [0] of an ndarray of shape [2]');
  });

  it('writes through a strided view with mutate()', () => {
    const nd = base();
    const column = fromNdarray(nd.pick(null, 1));
    column.mutate((d) => d.fill(-1));
    expect([...nd.data]).toEqual([0, -1, 2, 3, 4, -1, 6, 7, 8, -1, 10, 11]);
    const corner = fromNdarray(nd.pick(2, 3));
    corner.mutate((d) => (d[0] = 99));
    expect(nd.get(2, 3)).toBe(99);
  });
});

describe('in-place writes and the version counter', () => {
  it('mutate() bumps a version shared with views and detached copies', () => {
    const t = tensor([1, 2, 3, 4]);
    const view = viewOf(t, [2, 2], [2, 1]);
    const detached = t.detach();
    expect(t.version).toBe(0);
    t.mutate((d) => (d[0] = 10));
    expect(t.version).toBe(1);
    expect(view.version).toBe(1);
    expect(detached.version).toBe(1);
    expect(view.toArray()).toEqual([[10, 2], [3, 4]]);
    view.mutate((d) => (d[3] = 40));
    expect(t.toArray()).toEqual([10, 2, 3, 40]);
    expect(t.version).toBe(2);
  });

  it('refuses to modify a tensor that requires grad unless inside noGrad', () => {
    const w = tensor([1, 2], { requiresGrad: true, name: 'w' });
    expect(() => w.mutate((d) => (d[0] = 0))).toThrow(GraphError);
    expect(() => w.mutate((d) => (d[0] = 0))).toThrow(/mutate: a tensor 'w' that requires grad .* noGrad/);
    noGrad(() => w.mutate((d) => (d[0] = 0)));
    expect(w.toArray()).toEqual([0, 2]);
  });
});

describe('detach, requiresGrad, names', () => {
  it('detach() shares storage but leaves the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.data).toBe(x.data);
  });

  it('named() returns the tensor; errors are TensorgradErrors whose message starts with the op', () => {
    const t = tensor(1).named('q');
    expect(t.name).toBe('q');
    try {
      tensor([1, 2]).item();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TensorgradError);
      expect(e).toBeInstanceOf(ShapeError);
      expect((e as ShapeError).op).toBe('item');
      expect((e as Error).name).toBe('ShapeError');
    }
  });

  it('a Tensor can be constructed directly from an ndarray', () => {
    const t = new Tensor(ndarray(new Float64Array([1, 2]), [2]), { requiresGrad: true, name: 'v' });
    expect(t.requiresGrad).toBe(true);
    expect(t.name).toBe('v');
  });
});

describe('contiguousData and scatterInto: the strided copies shared with ops', () => {
  it('copy a transposed matrix (tiled, sizes not a multiple of the tile) and other views row-major', () => {
    for (const [r, c] of [[1, 1], [33, 70], [64, 5]] as const) {
      const values = Float64Array.from({ length: r * c }, (_, i) => i * 1.5 - 7);
      const base = fromData(values, [r, c]);
      const t = viewOf(base, [c, r], [1, c], 0); // the transpose
      const copy = contiguousData(t.nd);
      for (let i = 0; i < c; i++) for (let j = 0; j < r; j++) expect(copy[i * r + j]).toBe(values[j * c + i]);
      expect(t.data).toEqual(copy);
    }
    // A 3-d view with an offset and a negative stride, and a 0-d view.
    const storage = Float64Array.from({ length: 30 }, (_, i) => i);
    expect(Array.from(contiguousData({ data: storage, shape: [2, 2, 2], stride: [12, -3, 1], offset: 5 }))).toEqual([5, 6, 2, 3, 17, 18, 14, 15]);
    expect(Array.from(contiguousData({ data: storage, shape: [], stride: [], offset: 7 }))).toEqual([7]);
  });

  it('scatterInto writes (or adds) row-major values back through the view', () => {
    const storage = new Float64Array(6);
    scatterInto({ data: storage, shape: [3, 2], stride: [1, 3], offset: 0 }, Float64Array.from([1, 2, 3, 4, 5, 6]));
    expect(Array.from(storage)).toEqual([1, 3, 5, 2, 4, 6]);
    scatterInto({ data: storage, shape: [2], stride: [2], offset: 1 }, Float64Array.from([10, 20]), true);
    expect(Array.from(storage)).toEqual([1, 13, 5, 22, 4, 6]);
    scatterInto({ data: storage, shape: [], stride: [], offset: 5 }, Float64Array.from([9]), true);
    expect(storage[5]).toBe(15);
  });
});

// StridedView against scijs ndarray: the same fields and the same results for every method, so scijs
// code that reads `tensor.nd` sees no difference (and no `new Function` runs to build it).
import { describe, expect, it } from 'vitest';
import ndarray from 'ndarray';
import { fromData } from '@tensorgrad/core';
import { StridedView, plainStridedView as stridedView } from '../src/view.js';

const data = Float64Array.from({ length: 24 }, (_, i) => i * 1.5);

function same(ours: StridedView, theirs: ndarray.NdArray<Float64Array>): void {
  expect(ours.data).toBe(theirs.data);
  expect(ours.shape).toEqual(theirs.shape);
  expect(ours.stride).toEqual(theirs.stride);
  expect(ours.offset).toBe(theirs.offset);
  expect(ours.size).toBe(theirs.size);
  expect(ours.dimension).toBe(theirs.dimension);
  expect(ours.dtype).toBe(theirs.dtype);
  // Every element, walked by index.
  const index = new Array<number>(ours.shape.length).fill(0);
  for (let k = 0; k < ours.size; k++) {
    expect(ours.get(...index)).toBe(theirs.get(...index));
    expect(ours.index(...index)).toBe(theirs.index(...index));
    for (let axis = index.length - 1; axis >= 0; axis--) {
      if (++index[axis]! < ours.shape[axis]!) break;
      index[axis] = 0;
    }
  }
}

describe('StridedView matches ndarray', () => {
  const cases: [string, number[], number[] | undefined, number | undefined][] = [
    ['1-d', [24], undefined, undefined],
    ['2-d', [4, 6], undefined, undefined],
    ['3-d', [2, 3, 4], undefined, undefined],
    ['4-d', [2, 3, 2, 2], undefined, undefined],
    ['0-d', [], undefined, 5],
    ['transposed', [6, 4], [1, 6], 0],
    ['negative stride, default offset', [4, 6], [-6, 1], undefined],
    ['empty', [0, 3], undefined, undefined],
  ];
  it.each(cases)('%s: construction and every element', (_label, shape, stride, offset) => {
    same(stridedView(data, shape, stride, offset), ndarray(data, shape, stride, offset));
  });

  it('lo, hi, step (positive and negative), transpose, T and pick give the same views', () => {
    const ours = stridedView(data, [2, 3, 4]);
    const theirs = ndarray(data, [2, 3, 4]);
    same(ours.lo(1, null as never, 2), theirs.lo(1, null as never, 2));
    same(ours.hi(1, 2), theirs.hi(1, 2));
    same(ours.hi(-1, 2, 3), theirs.hi(-1, 2, 3));
    same(ours.step(1, -1, 2), theirs.step(1, -1, 2));
    same(ours.step(null as never, 2, -3), theirs.step(null as never, 2, -3));
    same(ours.transpose(2, 0, 1), theirs.transpose(2, 0, 1));
    same(ours.transpose(1), theirs.transpose(1));
    same(ours.pick(1, null, 2), theirs.pick(1, null, 2));
    same(ours.pick(null, 2), theirs.pick(null, 2));
    same(ours.lo(1, 1, 1).hi(1, 2, 2).step(1, -1, 1), theirs.lo(1, 1, 1).hi(1, 2, 2).step(1, -1, 1));
    const t = stridedView(data, [4, 6]).T;
    same(t, ndarray(data, [4, 6]).transpose(1, 0));
    // The loop-order hint sorts axes by |stride|.
    expect(stridedView(data, [2, 3, 4]).order).toEqual(ndarray(data, [2, 3, 4]).order);
    expect(ours.transpose(2, 0, 1).order).toEqual(theirs.transpose(2, 0, 1).order);
  });

  it('set writes through the view; the last argument is the value', () => {
    const copy = data.slice();
    const view = stridedView(copy, [4, 6]).transpose(1, 0);
    expect(view.set(5, 2, -1)).toBe(-1);
    expect(copy[2 * 6 + 5]).toBe(-1);
  });

  it('tensors are viewed through the ndarray package itself where code generation is allowed', () => {
    const t = fromData(data.slice(0, 6), [2, 3]);
    expect(t.nd).not.toBeInstanceOf(StridedView);
    expect(t.nd.constructor).toBe(ndarray(new Float64Array(6), [2, 3]).constructor);
    expect(t.nd.get(1, 2)).toBe(7.5);
    expect(t.nd.pick(null, 1).get(1)).toBe(6);
  });
});

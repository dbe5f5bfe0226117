// Bad values and shapes given to the creators (tensor, fromData, zeros, ...) and to reshape/broadcastTo:
// ragged or non-numeric nested arrays, and NaN, negative, fractional, infinite or huge dimensions, each a
// ShapeError or ValueError naming the op, the index or dimension and the shape.
import { describe, it } from 'vitest';
import { ShapeError, ValueError, eye, fromData, full, ones, rand, randn, tensor, zeros } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { refuses } from './refusals.js';

describe('ragged or non-numeric nested arrays', () => {
  it('ragged arrays are ShapeErrors naming the index and the expected length', () => {
    refuses(() => tensor([[1, 2], [3]]), ShapeError, 'tensor', 'ragged', '1 entry at index [1], expected 2');
    refuses(() => tensor([[1, 2], 3] as never), ShapeError, 'tensor', 'a number at index [1] where an array of 2 was expected');
    refuses(() => tensor([1, [2]] as never), ShapeError, 'tensor', 'an array at index [1] where a number was expected');
    refuses(() => tensor([[[1], [2]], [[3], [4, 5]]]), ShapeError, 'tensor', 'at index [1, 1], expected 1');
  });

  it('non-numeric entries are ValueErrors naming the value and its index', () => {
    refuses(() => tensor([[1, 2], [3, '4']] as never), ValueError, 'tensor', 'non-numeric value "4" at index [1, 1]');
    refuses(() => tensor([1, null] as never), ValueError, 'tensor', 'non-numeric value null at index [1]');
    refuses(() => tensor([1, undefined] as never), ValueError, 'tensor', 'non-numeric value undefined at index [1]');
    refuses(() => tensor([true, false] as never), ValueError, 'tensor', 'non-numeric value true at index [0]');
    refuses(() => tensor([1n] as never), ValueError, 'tensor', 'non-numeric value 1n at index [0]');
    refuses(() => tensor([{}] as never), ValueError, 'tensor', 'non-numeric value an Object at index [0]');
    refuses(() => tensor('1,2' as never), ValueError, 'tensor', 'cannot make a tensor from "1,2"');
    refuses(() => tensor(null as never), ValueError, 'tensor', 'cannot make a tensor from null');
    refuses(() => tensor([1, 2, 3], { shape: [2, 2] }), ShapeError, 'tensor', '3 values cannot fill shape [2, 2]');
    refuses(() => fromData([1, 2] as never, [2]), ValueError, 'fromData', 'expected a Float64Array, got an Array');
    refuses(() => fromData(new Float32Array(2) as never, [2]), ValueError, 'fromData', 'got a Float32Array');
  });
});

describe('NaN, negative, non-integer and infinite dimensions', () => {
  const bad = [NaN, -1, 1.5, Infinity, '2'] as const;
  const makers: [string, (shape: number[]) => unknown][] = [
    ['zeros', (s) => zeros(s)],
    ['ones', (s) => ones(s)],
    ['full', (s) => full(s, 7)],
    ['rand', (s) => rand(s, { seed: 1 })],
    ['randn', (s) => randn(s, { seed: 1 })],
    ['fromData', (s) => fromData(new Float64Array(2), s)],
    ['tensor', (s) => tensor([1, 2], { shape: s })],
    ['reshape', (s) => ops.reshape(tensor([1, 2]), s)],
    ['broadcastTo', (s) => ops.broadcastTo(tensor([1, 2]), s)],
  ];
  it.each(makers)('%s refuses each bad dimension with a ShapeError naming it and the shape', (op, make) => {
    for (const d of bad) {
      if (op === 'reshape' && d === -1) continue; // reshape's "infer this dimension"
      refuses(() => make([2, d as number]), ShapeError, op, `invalid dimension ${String(d)} in shape [2, ${String(d)}]`, 'non-negative integers');
    }
    refuses(() => make(3 as never), ShapeError, op, 'shape must be an array');
  });

  it('eye refuses bad sizes; reshape allows a single -1 only', () => {
    refuses(() => eye(-1), ShapeError, 'eye', 'invalid dimension -1');
    refuses(() => eye(2, 0.5), ShapeError, 'eye', 'invalid dimension 0.5');
    refuses(() => ops.reshape(ones([2, 3]), [-1, -1]), ShapeError, 'reshape', 'only one dimension can be -1');
    refuses(() => ops.reshape(ones([2, 3]), [4, -1]), ShapeError, 'reshape', 'cannot reshape a tensor of shape [2, 3] (6 elements) into [4, -1]');
  });

  it('a shape too large for memory is a ShapeError, not a RangeError from the allocator', () => {
    refuses(() => zeros([1e6, 1e6]), ShapeError, 'zeros', 'cannot allocate 1000000000000 float64 values (7.28 TiB) for shape [1000000, 1000000]');
    refuses(() => randn([1e5, 1e5, 10], { seed: 1 }), ShapeError, 'randn', 'cannot allocate');
  });
});

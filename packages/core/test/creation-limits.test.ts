// Issue 14 items 8 and 9, for the creators: a nesting deeper than 64 levels (NumPy's limit on dimensions)
// is a ShapeError before any walk, not a stack overflow; a shape of more than 64 dimensions likewise;
// linspace refuses a NaN or infinite end, as arange does. (Sizes: test/op-sizes.test.ts.)
import { describe, expect, it } from 'vitest';
import { MAX_NDIM, ShapeError, TensorgradError, ValueError, linspace, ones, tensor, zeros } from '@tensorgrad/core';

/** [[[...[value]...]]], `depth` arrays deep, built without recursion. */
function nested(depth: number, value: unknown = 1): unknown {
  let v: unknown = value;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('nesting depth and number of dimensions', () => {
  it('a 10,000-deep nested array is a ShapeError naming tensor, at once', () => {
    const started = performance.now();
    let caught: unknown;
    try {
      tensor(nested(10_000) as never);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ShapeError);
    expect((caught as ShapeError).message).toBe("tensor: nested array more than 64 levels deep: a tensor has at most 64 dimensions (NumPy's limit)");
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('so is one of 65 levels, and 1,000,000 levels; 64 levels make a 64-d tensor', () => {
    expect(MAX_NDIM).toBe(64);
    expect(() => tensor(nested(65) as never)).toThrow(ShapeError);
    expect(() => tensor(nested(1_000_000) as never)).toThrow(ShapeError);
    const t = tensor(nested(64, 2.5) as never);
    expect(t.shape).toEqual(new Array(64).fill(1));
    expect(t.item()).toBe(2.5);
  });

  it('a deep nesting with a non-number at the bottom is still a TensorgradError', () => {
    expect(() => tensor(nested(20, 'x') as never)).toThrow(ValueError);
    expect(() => tensor(nested(5_000, 'x') as never)).toThrow(TensorgradError);
  });

  it('a shape of more than 64 dimensions is a ShapeError naming the creator', () => {
    expect(() => zeros(new Array(65).fill(1))).toThrow(ShapeError);
    expect(() => zeros(new Array(65).fill(1))).toThrow(new ShapeError('zeros', "a shape has at most 64 dimensions (NumPy's limit), got 65"));
    expect(() => ones(new Array(1500).fill(1))).toThrow(/^ones: a shape has at most 64 dimensions/);
    expect(() => tensor([1], { shape: new Array(100).fill(1) })).toThrow(ShapeError);
    expect(zeros(new Array(64).fill(1)).ndim).toBe(64);
  });
});

describe('linspace', () => {
  it.each([
    [0, NaN, 'linspace: start and stop must be finite numbers, got 0 and NaN'],
    [NaN, 1, 'linspace: start and stop must be finite numbers, got NaN and 1'],
    [0, Infinity, 'linspace: start and stop must be finite numbers, got 0 and Infinity'],
    [-Infinity, 0, 'linspace: start and stop must be finite numbers, got -Infinity and 0'],
    ['0', 1, 'linspace: start and stop must be finite numbers, got "0" and 1'],
  ])('linspace(%s, %s, 3) is a ValueError', (start, stop, message) => {
    expect(() => linspace(start as number, stop as number, 3)).toThrow(new ValueError('linspace', message.slice('linspace: '.length)));
  });

  it('finite ends work as before', () => {
    expect(Array.from(linspace(0, 1, 3).data)).toEqual([0, 0.5, 1]);
    expect(linspace(2, 2, 1).toArray()).toEqual([2]);
  });
});

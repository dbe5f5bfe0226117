// allclose and assertClose, as PyTorch's torch.allclose and torch.testing.assert_close on float64
// tensors. The expected messages below are what PyTorch 1.13.1 printed for the same values
// (/usr/bin/python3, torch.testing.assert_close), except for the shape line, which prints our shapes
// ([2] where PyTorch prints torch.Size([2])).
import { describe, expect, it } from 'vitest';
import { ShapeError, TensorgradError, ValueError, arange, tensor } from '@tensorgrad/core';
import { NotCloseError, allclose, assertClose, transpose } from '@tensorgrad/ops';
import * as tg from 'tensorgrad';
import { thrownAs } from './refusals.js';

describe('assertClose (torch.testing.assert_close)', () => {
  const a = tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
  // Two entries off (0.1 at (0, 1), 0.5 at (1, 2)); one off by 1e-7, within atol + rtol·10.
  const b = tensor([[1, 2.1, 3, 4, 5], [6, 7, 8.5, 9, 10.0000001]]);

  it('passes within atol + rtol·|expected| and returns nothing', () => {
    expect(assertClose(a, a)).toBeUndefined();
    expect(() => assertClose(tensor([10.0000001]), tensor([10]))).not.toThrow();
    expect(() => assertClose(tensor([0.1 + 0.2]), tensor([0.3]))).not.toThrow();
    expect(() => assertClose(tensor([-0]), tensor([0]))).not.toThrow();
  });

  it("fails with PyTorch's message: mismatched count and percentage, greatest differences and their indices", () => {
    const error = thrownAs(NotCloseError, () => assertClose(a, b));
    expect(error).toBeInstanceOf(TensorgradError);
    expect(error.name).toBe('NotCloseError');
    expect(error.message).toBe(
      'assertClose: Tensor-likes are not close!\n\n' +
        'Mismatched elements: 2 / 10 (20.0%)\n' +
        'Greatest absolute difference: 0.5 at index (1, 2) (up to 1e-07 allowed)\n' +
        'Greatest relative difference: 0.058823529411764705 at index (1, 2) (up to 1e-07 allowed)',
    );
    expect(error.report).toEqual({
      mismatched: 2,
      total: 10,
      greatestAbsolute: { difference: 0.5, index: [1, 2] },
      greatestRelative: { difference: 0.058823529411764705, index: [1, 2] },
      first: { index: [0, 1], actual: 2, expected: 2.1 },
    });
  });

  it('says "equal" and shows no allowance with zero tolerances', () => {
    expect(thrownAs(NotCloseError, () => assertClose(a, b, { rtol: 0, atol: 0 })).message).toBe(
      'assertClose: Tensor-likes are not equal!\n\n' +
        'Mismatched elements: 3 / 10 (30.0%)\n' +
        'Greatest absolute difference: 0.5 at index (1, 2)\n' +
        'Greatest relative difference: 0.058823529411764705 at index (1, 2)',
    );
  });

  it('refuses different shapes, naming both', () => {
    const error = thrownAs(NotCloseError, () => assertClose(tensor([1, 2]), tensor([1, 2, 3])));
    expect(error.message).toBe("assertClose: The values for attribute 'shape' do not match: [2] != [3].");
    expect(error.report).toBeNull();
    expect(() => assertClose(arange(6).reshape([2, 3]), arange(6))).toThrow(/\[2, 3\] != \[6\]/);
    expect(() => assertClose(tensor([5]), 5)).toThrow(/\[1\] != \[\]/);
  });

  it('NaN matches nothing unless equalNan; a NaN difference is the greatest', () => {
    expect(thrownAs(NotCloseError, () => assertClose(tensor([1, NaN]), tensor([1, NaN]))).message).toBe(
      'assertClose: Tensor-likes are not close!\n\n' +
        'Mismatched elements: 1 / 2 (50.0%)\n' +
        'Greatest absolute difference: nan at index (1,) (up to 1e-07 allowed)\n' +
        'Greatest relative difference: nan at index (1,) (up to 1e-07 allowed)',
    );
    expect(() => assertClose(tensor([1, NaN]), tensor([1, NaN]), { equalNan: true })).not.toThrow();
    expect(thrownAs(NotCloseError, () => assertClose(tensor([1, 3, NaN]), tensor([1, 2, 0]))).message).toBe(
      'assertClose: Tensor-likes are not close!\n\n' +
        'Mismatched elements: 2 / 3 (66.7%)\n' +
        'Greatest absolute difference: nan at index (2,) (up to 1e-07 allowed)\n' +
        'Greatest relative difference: nan at index (2,) (up to 1e-07 allowed)',
    );
  });

  it('infinities match only themselves; a zero expected value gives a relative difference of inf', () => {
    expect(() => assertClose(tensor([Infinity, 0]), tensor([Infinity, 1e-8]))).not.toThrow();
    expect(thrownAs(NotCloseError, () => assertClose(tensor([Infinity, 1]), tensor([-Infinity, 1]))).message).toBe(
      'assertClose: Tensor-likes are not close!\n\n' +
        'Mismatched elements: 1 / 2 (50.0%)\n' +
        'Greatest absolute difference: inf at index (0,) (up to 1e-07 allowed)\n' +
        'Greatest relative difference: nan at index (0,) (up to 1e-07 allowed)',
    );
    expect(thrownAs(NotCloseError, () => assertClose(tensor([1e-5, 1]), tensor([0, 1]), { rtol: 1e-5, atol: 1e-6 })).message).toBe(
      'assertClose: Tensor-likes are not close!\n\n' +
        'Mismatched elements: 1 / 2 (50.0%)\n' +
        'Greatest absolute difference: 1e-05 at index (0,) (up to 1e-06 allowed)\n' +
        'Greatest relative difference: inf at index (0,) (up to 1e-05 allowed)',
    );
  });

  it('prints numbers as Python does (1.0, 9999.0, 9.999e+19)', () => {
    expect(thrownAs(NotCloseError, () => assertClose(tensor([0, 1]), tensor([1e-3, 1]))).message).toContain('Greatest relative difference: 1.0 at index (0,)');
    expect(thrownAs(NotCloseError, () => assertClose(tensor([1e20, 1]), tensor([1e16, 1]))).message).toBe(
      'assertClose: Tensor-likes are not close!\n\n' +
        'Mismatched elements: 1 / 2 (50.0%)\n' +
        'Greatest absolute difference: 9.999e+19 at index (0,) (up to 1e-07 allowed)\n' +
        'Greatest relative difference: 9999.0 at index (0,) (up to 1e-07 allowed)',
    );
  });

  it("gives a 0-d tensor PyTorch's scalar message", () => {
    expect(thrownAs(NotCloseError, () => assertClose(tensor(2.5), tensor(2))).message).toBe(
      'assertClose: Scalars are not close!\n\nAbsolute difference: 0.5 (up to 1e-07 allowed)\nRelative difference: 0.25 (up to 1e-07 allowed)',
    );
    expect(thrownAs(NotCloseError, () => assertClose(tensor(2.5), 2, { rtol: 0, atol: 0 })).message).toBe(
      'assertClose: Scalars are not equal!\n\nAbsolute difference: 0.5\nRelative difference: 0.25',
    );
  });

  it('compares a view by its values, in row-major order of its own shape', () => {
    const x = arange(12).reshape([3, 4]);
    const y = tg.add(x, tensor([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1e-3]]));
    expect(thrownAs(NotCloseError, () => assertClose(transpose(x), transpose(y))).message).toBe(
      'assertClose: Tensor-likes are not close!\n\n' +
        'Mismatched elements: 1 / 12 (8.3%)\n' +
        'Greatest absolute difference: 0.0009999999999994458 at index (3, 2) (up to 1e-07 allowed)\n' +
        'Greatest relative difference: 9.090082719747713e-05 at index (3, 2) (up to 1e-07 allowed)',
    );
  });

  it('takes numbers and nested arrays for either side, and ignores requiresGrad and history', () => {
    const x = tensor([[1, 2]], { requiresGrad: true });
    expect(() => assertClose(tg.mul(x, 2), [[2, 4]])).not.toThrow();
    expect(() => assertClose(tg.sum(x), 3)).not.toThrow();
    expect(() => assertClose([[2, 4]], tg.mul(x, 2))).not.toThrow();
  });

  it('refuses one tolerance without the other, as PyTorch, and bad options or arguments', () => {
    expect(() => assertClose(tensor([1]), tensor([1]), { atol: 1e-3 })).toThrow(ValueError);
    expect(() => assertClose(tensor([1]), tensor([1]), { atol: 1e-3 })).toThrow(/^assertClose: give both rtol and atol or neither \(got only atol/);
    expect(() => assertClose(tensor([1]), tensor([1]), { rtol: -1, atol: 0 })).toThrow(/^assertClose: rtol must be a finite non-negative number, got -1/);
    expect(() => assertClose(tensor([1]), tensor([1]), { rtol: NaN, atol: 0 })).toThrow(/rtol must be a finite non-negative number/);
    expect(() => assertClose(tensor([1]), tensor([1]), { equalNaN: true } as never)).toThrow(/unknown option 'equalNaN' \(did you mean 'equalNan'\?\)/);
    expect(() => assertClose(tensor([1]), 'one' as never)).toThrow(/^assertClose: expected must be a Tensor, a number or nested arrays of numbers, got "one"/);
  });

  it('given both tolerances, uses them', () => {
    expect(() => assertClose(tensor([1, 2]), tensor([1, 2.1]), { atol: 1e-3, rtol: 0.1 })).not.toThrow();
    expect(() => assertClose(tensor([1, 2]), tensor([1, 2.1]), { atol: 1e-3, rtol: 0.01 })).toThrow(NotCloseError);
  });
});

describe('allclose (torch.allclose)', () => {
  it("uses PyTorch's defaults, rtol 1e-5 and atol 1e-8", () => {
    expect(allclose(tensor([1, 2]), tensor([1.00001, 2]))).toBe(true);
    expect(allclose(tensor([1, 2]), tensor([1.0001, 2]))).toBe(false);
    expect(allclose(tensor([1e-8]), tensor([0]))).toBe(true);
    expect(allclose(tensor([1.1e-8]), tensor([0]))).toBe(false);
  });

  it('NaN is close to nothing unless equalNan', () => {
    expect(allclose(tensor([NaN]), tensor([NaN]))).toBe(false);
    expect(allclose(tensor([NaN]), tensor([NaN]), { equalNan: true })).toBe(true);
    expect(allclose(tensor([Infinity]), tensor([Infinity]))).toBe(true);
    expect(allclose(tensor([Infinity]), tensor([1e308]))).toBe(false);
  });

  it('takes tolerances, and compares a transposed view by its values', () => {
    expect(allclose(tensor([1, 2]), tensor([1.1, 2]), { atol: 0.2 })).toBe(true);
    expect(allclose(tensor([1, 2]), tensor([1.1, 2]), { rtol: 0.01, atol: 0 })).toBe(false);
    expect(allclose(transpose(tensor([[1, 2], [3, 4]])), [[1, 3], [2, 4]])).toBe(true);
  });

  it('does not broadcast: different shapes are a ShapeError naming both', () => {
    expect(() => allclose(tensor([[1], [2]]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => allclose(tensor([[1], [2]]), tensor([1, 2]))).toThrow(/^allclose: a has shape \[2, 1\] and b \[2\]; allclose compares entry by entry and does not broadcast/);
  });

  it('is exported by tensorgrad, with assertClose and NotCloseError', () => {
    expect(tg.allclose).toBe(allclose);
    expect(tg.assertClose).toBe(assertClose);
    expect(tg.NotCloseError).toBe(NotCloseError);
  });
});

// Per-op behaviour the cross-package tables do not pin down: ties and kinks, numerical stability, NumPy
// semantics of the shape ops, and the typed errors (op name and shapes in the message).
import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, ValueError, arange, noGrad, randn, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import {
  abs, concat, div, exp, expandDims, gather, log, logSoftmax, max, maximum, mean, min, minimum, mul, norm, pow, relu, reshape,
  sigmoid, slice, softmax, sqrt, squeeze, stack, std, sub, sum, tanh, transpose, vjp,
} from '@tensorgrad/ops';

function leaf(values: number[] | number[][] | number): Tensor {
  return tensor(values, { requiresGrad: true });
}

describe('ties and kinks (documented choices)', () => {
  it('maximum / minimum split the gradient equally at a tie', () => {
    const a = leaf([1, 2, 3]);
    const b = leaf([1, 0, 3]);
    maximum(a, b).backward(tensor([4, 4, 4]));
    expect(a.grad!.toArray()).toEqual([2, 4, 2]);
    expect(b.grad!.toArray()).toEqual([2, 0, 2]);
    const c = leaf([1, 2]);
    const d = leaf([1, 5]);
    minimum(c, d).backward(tensor([1, 1]));
    expect(c.grad!.toArray()).toEqual([0.5, 1]);
    expect(d.grad!.toArray()).toEqual([0.5, 0]);
  });

  it('max / min reductions split the gradient equally among tied entries', () => {
    const x = leaf([[3, 1, 3], [2, 2, 2]]);
    max(x, 1).backward(tensor([6, 3]));
    expect(x.grad!.toArray()).toEqual([[3, 0, 3], [1, 1, 1]]);
    const y = leaf([[3, 1, 3], [2, 1, 1]]);
    min(y).backward();
    expect(y.grad!.toArray().flat().map((v: number) => v + 0)).toEqual([0, 1 / 3, 0, 0, 1 / 3, 1 / 3]);
  });

  it('max propagates NaN (as NumPy) and gives it no gradient', () => {
    const x = leaf([1, NaN, 3]);
    const m = max(x);
    expect(m.item()).toBeNaN();
    m.backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 0]);
    expect(maximum(tensor([NaN, 1]), tensor([0, NaN])).toArray().every(Number.isNaN)).toBe(true);
  });

  it('relu and abs give gradient 0 at the kink x = 0', () => {
    const x = leaf([-1, 0, 2]);
    relu(x).backward(tensor([1, 1, 1]));
    expect(x.grad!.toArray().map((v: number) => v + 0)).toEqual([0, 0, 1]);
    const y = leaf([-1, 0, 2]);
    abs(y).backward(tensor([1, 1, 1]));
    expect(y.grad!.toArray().map((v: number) => v + 0)).toEqual([-1, 0, 1]);
  });

  it('norm has gradient 0 at 0 (not NaN) and x/||x|| elsewhere', () => {
    const z = leaf([0, 0]);
    norm(z).backward();
    expect(z.grad!.toArray()).toEqual([0, 0]);
    const x = leaf([3, 4]);
    const n = norm(x);
    expect(n.item()).toBe(5);
    n.backward();
    expect(x.grad!.toArray()).toEqual([0.6, 0.8]);
  });

  it('pow with p = 0 has gradient 0 even at x = 0', () => {
    const x = leaf([0, 2]);
    pow(x, 0).backward(tensor([1, 1]));
    expect(x.grad!.toArray()).toEqual([0, 0]);
  });
});

describe('numerical stability', () => {
  it('logSoftmax stays finite and exact for huge logits (max subtraction)', () => {
    const y = logSoftmax(tensor([[1000, 1000], [1e300, 0], [-1000, -1001]]));
    const v = y.toArray() as number[][];
    expect(v[0]![0]).toBeCloseTo(-Math.LN2, 14);
    expect(v[1]).toEqual([0, -1e300]);
    expect(v[2]![0]).toBeCloseTo(-Math.log1p(Math.exp(-1)), 14);
    const x = leaf([1000, 1000, 999]);
    logSoftmax(x).backward(tensor([1, 0, 0]));
    expect(x.grad!.data.every(Number.isFinite)).toBe(true);
  });

  it('softmax of huge logits sums to 1 and is finite', () => {
    const p = softmax(tensor([[1e308, 1e308, 0], [-1e4, -1e4, -1e4]]));
    expect(p.toArray()).toEqual([[0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]]);
  });

  it('softmax and logSoftmax agree with the naive formulas on small logits, along any axis', () => {
    const x = tensor([[0.5, -1, 2], [0, 0.25, -0.5]]);
    for (const axis of [0, 1, -1]) {
      const naive = div(exp(x), sum(exp(x), axis, true));
      softmax(x, axis).data.forEach((v, i) => expect(v).toBeCloseTo(naive.data[i]!, 14));
      log(naive).data.forEach((v, i) => expect(logSoftmax(x, axis).data[i]).toBeCloseTo(v, 14));
    }
  });

  it('fused softmax / logSoftmax match their composites (the oracle) in value and gradient, along every axis', () => {
    const composite = {
      softmax: (x: Tensor, axis: number) => {
        const e = exp(sub(x, noGrad(() => max(x, axis, true))));
        return div(e, sum(e, axis, true));
      },
      logSoftmax: (x: Tensor, axis: number) => {
        const z = sub(x, noGrad(() => max(x, axis, true)));
        return sub(z, log(sum(exp(z), axis, true)));
      },
    };
    const x = randn([2, 3, 4], { seed: 7 });
    const cotangent = randn([2, 3, 4], { seed: 8 });
    for (const axis of [0, 1, 2, -1]) {
      for (const [name, fused] of [['softmax', softmax], ['logSoftmax', logSoftmax]] as const) {
        const [y, pullback] = vjp((t) => fused(t, axis), x);
        const [yRef, pullbackRef] = vjp((t) => composite[name](t, axis), x);
        y.data.forEach((v, i) => expect(v).toBeCloseTo(yRef.data[i]!, 14));
        const g = pullback(cotangent)[0]!.data;
        pullbackRef(cotangent)[0]!.data.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 13));
      }
    }
  });

  it('sigmoid is exact at both tails (no overflow of e^-x)', () => {
    const s = sigmoid(tensor([-1000, -40, 0, 40, 1000]));
    expect(s.data[0]).toBe(0);
    expect(s.data[1]).toBeCloseTo(Math.exp(-40), 30);
    expect(s.data[2]).toBe(0.5);
    expect(s.data[4]).toBe(1);
    expect(tanh(tensor([1000])).item()).toBe(1);
  });

  it('norm does not overflow or underflow', () => {
    expect(norm(tensor([3e200, 4e200])).item()).toBeCloseTo(5e200, -186);
    expect(norm(tensor([3e-200, 4e-200])).item() / 5e-200).toBeCloseTo(1, 14);
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

describe('norm(x, ord = 2, axis?, keepDims?)', () => {
  it('ord 1, 2 and Infinity over all axes, as x.norm(ord) too', () => {
    const x = tensor([3, -4]);
    expect(norm(x).item()).toBe(5);
    expect(x.norm(1).item()).toBe(7); // used to be 5: the extra argument was ignored
    expect(x.norm(Infinity).item()).toBe(4);
  });

  it('over an axis, with keepDims; gradients per ord, 0 on a zero lane', () => {
    const x = leaf([[3, -4], [0, 0]]);
    expect(norm(x, 2, 1).toArray()).toEqual([5, 0]);
    expect(norm(x, 1, -1, true).toArray()).toEqual([[7], [0]]);
    expect(norm(x, Infinity, 0).toArray()).toEqual([3, 4]);
    norm(x, 2, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0.6, -0.8], [0, 0]]);
    const y = leaf([[3, -4], [0, 2]]);
    norm(y, 1, 1).sum().backward();
    expect(y.grad!.toArray()).toEqual([[1, -1], [0, 1]]);
    const z = leaf([[-4, 4, 1]]);
    norm(z, Infinity, 1).sum().backward();
    expect(z.grad!.toArray()).toEqual([[-0.5, 0.5, 0]]); // a tie of magnitudes shares the gradient
  });

  it('the 2-norm does not overflow, and an unknown ord is refused', () => {
    expect(norm(tensor([3e300, 4e300]), 2, 0).item()).toBeCloseTo(5e300, -290);
    expect(() => norm(tensor([1, 2]), 3)).toThrow(ValueError);
    expect(() => norm(tensor([1, 2]), 3)).toThrow(/^norm: ord must be 1, 2 or Infinity, got 3$/);
    expect(() => norm(tensor([1, 2]), 'fro' as never)).toThrow(/^norm: ord must be 1, 2 or Infinity, got 'fro'$/);
    expect(() => norm(tensor([1, 2]), 2, 1)).toThrow(/^norm: axis 1 is out of range/);
  });
});

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

describe('binary ops and numbers', () => {
  it('sub, div and mul take numbers on either side', () => {
    expect(sub(10, tensor([1, 2])).toArray()).toEqual([9, 8]);
    expect(div(tensor([6, 9]), 3).toArray()).toEqual([2, 3]);
    expect(div(1, tensor([4])).toArray()).toEqual([0.25]);
    expect(mul(tensor([1, 2]), 2).toArray()).toEqual([2, 4]);
  });

  it('a non-number, non-tensor operand is a ValueError naming the op', () => {
    expect(() => ops.add(tensor([1]), 'x' as unknown as number)).toThrow(ValueError);
    expect(() => ops.add(tensor([1]), 'x' as unknown as number)).toThrow(/^add: expected a Tensor or a number/);
  });

  it('sqrt, log outside their domain follow Math (NaN), not throw', () => {
    expect(sqrt(tensor([-1])).item()).toBeNaN();
    expect(log(tensor([0])).item()).toBe(-Infinity);
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
    expect(() => minimum(tensor([1]), 'x' as unknown as number)).toThrow(/^minimum: expected a Tensor or a number, got string$/);
    expect(() => min(tensor([1, 2]), 3)).toThrow(/^min: axis 3 is out of range/);
    expect(() => min(tensor([[1], [2]]).slice([null, [0, 0]]), 1)).toThrow(/^min: cannot reduce over a zero-size axis of a tensor of shape \[2, 0\]/);
    expect(() => std(tensor([1, 2]), 0, false, -1)).toThrow(ValueError);
    expect(() => std(tensor([1, 2]), 0, false, -1)).toThrow(/^std: correction must be a finite non-negative number/);
    expect(() => std(tensor([1, 2]), 2)).toThrow(/^std: axis 2 is out of range/);
  });

  it('transforms and gradcheck check f, inputs, argnums and options', () => {
    const x = tensor([1, 2]);
    expect(() => ops.grad(null as never)).toThrow(/^grad: expected a function f/);
    expect(() => ops.grad((t: Tensor) => sum(t), 'a' as never)).toThrow(/^grad: argnums must be/);
    expect(() => ops.grad((t: Tensor) => sum(t), 1.5)(x)).toThrow(/^grad: argnums 1.5 is not an argument index/);
    expect(() => ops.vjp(3 as never, x)).toThrow(/^vjp: expected a function f/);
    expect(() => ops.vjp((t) => t, 'x' as never)).toThrow(/^vjp: expected a Tensor or a number/);
    expect(() => ops.gradcheck(null as never, [x])).toThrow(/^gradcheck: expected a function f/);
    expect(() => ops.gradcheck((t) => sum(t), x as never)).toThrow(/^gradcheck: inputs must be a list of Tensors/);
    expect(() => ops.gradcheck((t) => sum(t), [x], { eps: 0 })).toThrow(/^gradcheck: eps must be a finite positive number/);
    expect(() => ops.gradcheck((t) => sum(t), [x], { wrt: [3] })).toThrow(/^gradcheck: wrt names input 3/);
    expect(() => ops.gradcheck((t) => sum(t), [x], null as never)).toThrow(ValueError);
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

  it('clamp: bounds either side, gradient passes on [min, max] boundaries included, 0 where clipped', () => {
    const x = leaf([-2, -1, 0, 1, 2]);
    const y = ops.clamp(x, -1, 1);
    expect(y.toArray()).toEqual([-1, -1, 0, 1, 1]);
    y.backward(tensor([1, 1, 1, 1, 1]));
    expect(x.grad!.toArray()).toEqual([0, 1, 1, 1, 0]);
    expect(tensor([-3, 3]).clamp(0).toArray()).toEqual([0, 3]);
    expect(tensor([-3, 3]).clamp(null, 0).toArray()).toEqual([-3, 0]);
    expect(ops.clamp(tensor([-3, 0, 3]), 2, 1).toArray()).toEqual([1, 1, 1]); // min > max: all max, as NumPy/PyTorch
    expect(() => ops.clamp(tensor([1]), NaN)).toThrow(/^clamp: min must be a number, null or undefined \(no bound\), got NaN$/);
    expect(() => ops.clamp(tensor([1]), 0, '1' as never)).toThrow(ValueError);
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

  it('sin and cos, with their derivatives', () => {
    const x = leaf([0, Math.PI / 2]);
    expect(ops.sin(x).toArray()).toEqual([0, 1]);
    ops.sin(x).sum().backward();
    expect(x.grad!.data[0]).toBe(1);
    expect(x.grad!.data[1]).toBeCloseTo(0, 15);
    const y = leaf([0, Math.PI / 2]);
    y.cos().sum().backward();
    expect(y.grad!.data[0]).toBe(-0);
    expect(y.grad!.data[1]).toBe(-1);
  });

  it('.T reverses every axis (NumPy), as a view', () => {
    const x = arange(6).reshape([2, 3]);
    expect(x.T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(arange(24).reshape([2, 3, 4]).T.shape).toEqual([4, 3, 2]);
    expect(tensor([1, 2]).T.toArray()).toEqual([1, 2]);
    expect(x.T.isContiguous).toBe(false);
  });

  it('where picks a where the condition is non-zero, b elsewhere; gradients split and unbroadcast', () => {
    const a = leaf([1, 2, 3]);
    const b = leaf([[10], [20]]);
    const y = ops.where(tensor([[1, 0, 1], [0, 0, 0]]), a, b);
    expect(y.toArray()).toEqual([[1, 10, 3], [20, 20, 20]]);
    y.sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 0, 1]);
    expect(b.grad!.toArray()).toEqual([[1], [3]]);
    expect(a.where(tensor([0, 1, 0]), 0).toArray()).toEqual([0, 2, 0]);
    expect(() => ops.where(tensor([1, 0]), a, 0)).toThrow(ShapeError);
    expect(() => ops.where(tensor([1, 0]), a, 0)).toThrow(/^where: shapes \[2\] and \[3\]/);
    expect(() => ops.where([1, 0] as never, a, 0)).toThrow(/^where: condition must be a Tensor or a number/);
  });
});

describe('methods', () => {
  it('every contract op is a chained Tensor method', () => {
    const names = [
      'neg', 'exp', 'log', 'sqrt', 'abs', 'square', 'reciprocal', 'pow', 'sigmoid', 'tanh', 'relu', 'add', 'sub', 'mul', 'div',
      'maximum', 'minimum', 'sum', 'mean', 'max', 'min', 'matmul', 'l2', 'norm', 'reshape', 'transpose', 'broadcastTo',
      'expandDims', 'squeeze', 'slice', 'gather', 'softmax', 'logSoftmax', 'take', 'sin', 'cos', 'clamp', 'clone', 'where',
      'argmax', 'argmin', 'logsumexp', 'variance', 'std', 'flatten',
    ];
    const t = tensor([1]);
    for (const name of names) expect(typeof (t as unknown as Record<string, unknown>)[name]).toBe('function');
  });

  it('a method given more arguments than it takes is a ValueError, not silently ignored', () => {
    const t = tensor([[3, -4], [0, 1]]);
    const loose = t as unknown as Record<string, (...args: unknown[]) => Tensor>;
    expect(() => loose.l2!.call(t, 1)).toThrow(ValueError);
    expect(() => loose.l2!.call(t, 1)).toThrow(/^l2: x\.l2\(\.\.\.\) takes no arguments, got 1$/);
    expect(() => loose.sum!.call(t, 0, true, 1)).toThrow(/^sum: x\.sum\(\.\.\.\) takes at most 2 arguments, got 3$/);
    expect(() => loose.pow!.call(t, 2, 3)).toThrow(/^pow: x\.pow\(\.\.\.\) takes at most 1 argument, got 2$/);
    expect(t.norm(1, 0, true).toArray()).toEqual([[3, 5]]);
    expect(t.sum(0, true).toArray()).toEqual([[3, -3]]);
  });

  it('chain as in the lecture: W.matmul(x).l2(), x.add(y).mul(z), h.relu()', () => {
    const W = leaf([[0.1, 0.5], [-0.3, 0.8]]);
    const x = leaf([0.2, 0.4]);
    const f = W.matmul(x).l2();
    expect(f.item()).toBeCloseTo(0.116, 14);
    expect(tensor([-2]).add(tensor([5])).mul(tensor([-4])).item()).toBe(-12);
    expect(tensor([-1, 2]).relu().sum(0, true).toArray()).toEqual([2]);
    expect(tensor([[1, 2], [3, 4]]).max(1).mean().item()).toBe(3);
    expect(tensor([1, 2]).pow(2).sqrt().toArray()).toEqual([1, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, ValueError, fromData, randn, tensor } from '@tensorgrad/core';
import { gather, gradcheck, logSoftmax, maximum, mean, neg, softmax, square, sub, sum } from '@tensorgrad/ops';
import { accuracy, l2Regularization, mse, predictClasses, softmaxCrossEntropy, svmLoss, type Reduction } from '@tensorgrad/nn';

function expectGradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const result = gradcheck(f, inputs);
  expect(result.checked).toBeGreaterThan(0);
  expect(result.ok, JSON.stringify(result.worst)).toBe(true);
}

// The course's three training examples (cat, car, frog), one row of class scores each.
const scores = [
  [3.2, 5.1, -1.7],
  [1.3, 4.9, 2.0],
  [2.2, 2.5, -3.1],
];
const labels = [0, 1, 2];

describe('softmaxCrossEntropy', () => {
  it('reproduces hand-computed values: the cat row gives -log(e^3.2 / (e^3.2 + e^5.1 + e^-1.7)) = 2.0404', () => {
    const cat = softmaxCrossEntropy(tensor([scores[0]!]), [0]).item();
    expect(cat).toBeCloseTo(2.0404, 4);
    expect(cat).toBeCloseTo(-Math.log(Math.exp(3.2) / (Math.exp(3.2) + Math.exp(5.1) + Math.exp(-1.7))), 14);
    const rows = scores.map((row, i) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[labels[i]!]!);
    expect(softmaxCrossEntropy(tensor(scores), labels).item()).toBeCloseTo((rows[0]! + rows[1]! + rows[2]!) / 3, 14);
    // Uniform scores: log C.
    expect(softmaxCrossEntropy(tensor([[0, 0, 0, 0]]), [3]).item()).toBeCloseTo(Math.log(4), 15);
  });

  it('has gradient (softmax - onehot) / N, shaped like the logits', () => {
    const z = tensor(scores, { requiresGrad: true });
    softmaxCrossEntropy(z, labels).backward();
    expect(z.grad!.shape).toEqual([3, 3]);
    const p = softmax(tensor(scores)).toArray() as number[][];
    (z.grad!.toArray() as number[][]).forEach((row, i) => row.forEach((g, j) => expect(g).toBeCloseTo((p[i]![j]! - (j === labels[i] ? 1 : 0)) / 3, 15)));
  });

  it('matches the composite oracle -mean(gather(logSoftmax(z), y)) in value and gradient', () => {
    const y = Int32Array.from([2, 0, 1, 1, 3]);
    const z1 = randn([5, 4], { seed: 11, requiresGrad: true });
    const z2 = fromData(z1.data.slice(), z1.shape, { requiresGrad: true });
    const fused = softmaxCrossEntropy(z1, y);
    const composite = neg(mean(gather(logSoftmax(z2), y)));
    expect(fused.item()).toBeCloseTo(composite.item(), 14);
    fused.backward();
    composite.backward();
    z1.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(z2.grad!.data[i]!, 14));
  });

  it('is numerically stable for huge logits', () => {
    expect(softmaxCrossEntropy(tensor([[1000, 0, -1000]]), [0]).item()).toBe(0);
    expect(softmaxCrossEntropy(tensor([[1000, 0, -1000]]), [1]).item()).toBe(1000);
    const z = tensor([[1e308, -1e308]], { requiresGrad: true });
    softmaxCrossEntropy(z, [1]).backward();
    expect(Array.from(z.grad!.data)).toEqual([1, -1]);
  });

  it('passes a gradient check, scaled by the upstream gradient', () => {
    expectGradcheck((z) => softmaxCrossEntropy(z, [2, 0, 1, 2]), [randn([4, 3], { seed: 1 })]);
    expectGradcheck((z) => softmaxCrossEntropy(z, [1]).mul(3), [randn([1, 5], { seed: 2 })]);
  });

  it('takes labels as number[], Int32Array or an integer Tensor, and refuses bad ones naming the label', () => {
    const z = tensor(scores);
    const expected = softmaxCrossEntropy(z, labels).item();
    expect(softmaxCrossEntropy(z, Int32Array.from(labels)).item()).toBe(expected);
    expect(softmaxCrossEntropy(z, tensor(labels)).item()).toBe(expected);
    expect(() => softmaxCrossEntropy(z, [0, 3, 1])).toThrow(ValueError);
    expect(() => softmaxCrossEntropy(z, [0, 3, 1])).toThrow('softmaxCrossEntropy: label 3 at index 1 is out of range for 3 classes (expected 0 <= label < 3)');
    expect(() => softmaxCrossEntropy(z, [0, -1, 1])).toThrow(/label -1 at index 1 is out of range/);
    expect(() => softmaxCrossEntropy(z, [0, 1.5, 1])).toThrow('softmaxCrossEntropy: label 1.5 at index 1 is not an integer');
    expect(() => softmaxCrossEntropy(z, [0, 1])).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(z, [0, 1])).toThrow('softmaxCrossEntropy: got 2 labels for 3 rows of scores');
    expect(() => softmaxCrossEntropy(tensor([1, 2, 3]), [0])).toThrow(/scores must be \[N, C\], got shape \[3\]/);
  });
});

describe('svmLoss', () => {
  it("reproduces the course's hinge losses: cat 2.9, car 0, frog 12.9, mean 5.27", () => {
    expect(svmLoss(tensor([scores[0]!]), [0]).item()).toBeCloseTo(2.9, 13);
    expect(svmLoss(tensor([scores[1]!]), [1]).item()).toBe(0);
    expect(svmLoss(tensor([scores[2]!]), [2]).item()).toBeCloseTo(12.9, 13);
    expect(svmLoss(tensor(scores), labels).item()).toBeCloseTo((2.9 + 0 + 12.9) / 3, 13);
    expect(svmLoss(tensor(scores), labels, { margin: 0 }).item()).toBeCloseTo((1.9 + 0 + 5.3 + 5.6) / 3, 13);
  });

  it('routes +1 to each violating class and -count to the label, over N', () => {
    const s = tensor(scores, { requiresGrad: true });
    svmLoss(s, labels).backward();
    // cat: only car violates (5.1 - 3.2 + 1 > 0); car: none; frog: both violate.
    expect(s.grad!.toArray()).toEqual([
      [-1 / 3, 1 / 3, 0],
      [0, 0, 0],
      [1 / 3, 1 / 3, -2 / 3],
    ]);
  });

  it('matches the composite oracle Σ max(0, s - s_y + 1) - 1 over N, and passes a gradient check', () => {
    const y = [2, 0, 1, 2];
    const s1 = randn([4, 3], { seed: 3, requiresGrad: true });
    const s2 = fromData(s1.data.slice(), s1.shape, { requiresGrad: true });
    const fused = svmLoss(s1, y);
    // The j = y term contributes max(0, 1) = 1 per row, hence the - 1.
    const margins = maximum(sub(s2, gather(s2, y).reshape([4, 1])).add(1), 0);
    const composite = sub(sum(margins).mul(1 / 4), 1);
    expect(fused.item()).toBeCloseTo(composite.item(), 14);
    fused.backward();
    composite.backward();
    s1.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(s2.grad!.data[i]!, 14));
    expectGradcheck((v) => svmLoss(v, y), [randn([4, 3], { seed: 4 })]);
  });

  it('refuses bad labels and margins', () => {
    expect(() => svmLoss(tensor(scores), [0, 1, 7])).toThrow('svmLoss: label 7 at index 2 is out of range for 3 classes');
    expect(() => svmLoss(tensor(scores), labels, { margin: -1 })).toThrow(ValueError);
  });
});

describe('mse', () => {
  it('is the mean of squared differences, with gradient 2(input - target)/n for the input and its negative for the target', () => {
    const input = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const target = tensor([[1, 0], [5, 4.5]], { requiresGrad: true });
    const loss = mse(input, target);
    expect(loss.item()).toBe((0 + 4 + 4 + 0.25) / 4);
    loss.backward();
    expect(input.grad!.toArray()).toEqual([[0, 1], [-1, -0.25]]);
    expect(target.grad!.toArray()).toEqual([[-0, -1], [1, 0.25]]);
    expectGradcheck((a, b) => mse(a, b), [randn([2, 3], { seed: 5 }), randn([2, 3], { seed: 6 })]);
  });

  it('agrees with its composite oracle mean(square(sub(a, b))) in value and gradients, for every reduction', () => {
    const a0 = randn([37, 9], { seed: 11 });
    const b0 = randn([37, 9], { seed: 12 });
    const oracles = { mean: (d: Tensor) => mean(d), sum: (d: Tensor) => sum(d), none: (d: Tensor) => d };
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const grads = (f: (a: Tensor, b: Tensor) => Tensor) => {
        const a = fromData(a0.data.slice(), a0.shape, { requiresGrad: true });
        const b = fromData(b0.data.slice(), b0.shape, { requiresGrad: true });
        const out = f(a, b);
        out.backward(reduction === 'none' ? fromData(Float64Array.from({ length: out.size }, (_, i) => Math.cos(i)), out.shape) : undefined);
        return [out.data, a.grad!.data, b.grad!.data];
      };
      const fused = grads((a, b) => mse(a, b, { reduction }));
      const composite = grads((a, b) => oracles[reduction](square(sub(a, b))));
      // The same pairwise sum: the values agree exactly, the gradients to rounding.
      expect(Array.from(fused[0]!)).toEqual(Array.from(composite[0]!));
      for (const k of [1, 2]) fused[k]!.forEach((v, i) => expect(v).toBeCloseTo(composite[k]![i]!, 14));
    }
  });

  it('refuses shapes that would silently broadcast', () => {
    expect(() => mse(tensor([1, 2, 3]), tensor([[1], [2], [3]]))).toThrow('mse: input [3] and target [3, 1] must have the same shape');
  });
});

describe('l2Regularization', () => {
  it("is reg·ΣW² over the tensors, with gradient 2·reg·W (the lecture's W: ΣW² = 0.99)", () => {
    const W = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
    const V = tensor([2], { requiresGrad: true });
    const r = l2Regularization([W, V], 0.5);
    expect(r.item()).toBeCloseTo(0.5 * (0.99 + 4), 15);
    r.backward();
    (W.grad!.toArray() as number[][]).flat().forEach((g, i) => expect(g).toBeCloseTo([0.1, 0.5, -0.3, 0.8][i]!, 15));
    expect(V.grad!.item()).toBe(2);
    expectGradcheck((a, b) => l2Regularization([a, b], 1e-1), [randn([3, 2], { seed: 7 }), randn([4], { seed: 8 })]);
    expect(() => l2Regularization([W], -1)).toThrow(ValueError);
    expect(() => l2Regularization([], 1)).toThrow('l2Regularization: got no tensors to regularize');
  });
});

describe("reduction: 'mean' (default), 'sum' or 'none'", () => {
  const cases = [
    ['softmaxCrossEntropy', (z: Tensor, reduction?: Reduction) => softmaxCrossEntropy(z, [2, 0, 1, 2], { reduction })],
    ['svmLoss', (z: Tensor, reduction?: Reduction) => svmLoss(z, [2, 0, 1, 2], { reduction })],
    ['mse', (z: Tensor, reduction?: Reduction) => mse(z, tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]), { reduction })],
  ] as const;
  for (const [name, loss] of cases) {
    it(`${name}: none gives the per-sample losses, whose sum and mean are the other two; all pass a gradient check`, () => {
      const z = randn([4, 3], { seed: 21 });
      const none = loss(z, 'none');
      expect(none.shape).toEqual(name === 'mse' ? [4, 3] : [4]);
      const total = none.data.reduce((a, b) => a + b, 0);
      expect(loss(z, 'sum').item()).toBeCloseTo(total, 14);
      expect(loss(z).item()).toBeCloseTo(total / none.size, 14);
      expect(loss(z, 'mean').item()).toBe(loss(z).item());
      for (const reduction of ['mean', 'sum', 'none'] as const) expectGradcheck((v) => loss(v, reduction), [z]);
      expect(() => loss(z, 'avg' as never)).toThrow(`${name}: reduction must be 'mean', 'sum' or 'none', got "avg"`);
    });
  }
  it('refuses options that are not an object, and takes null as the defaults', () => {
    const z = randn([2, 3], { seed: 1 });
    expect(() => softmaxCrossEntropy(z, [0, 1], 'sum' as never)).toThrow("softmaxCrossEntropy: options must be an object such as { reduction: 'sum' }, got \"sum\"");
    expect(() => svmLoss(z, [0, 1], [1] as never)).toThrow('svmLoss: options must be an object such as { reduction: \'sum\' }, got [1]');
    expect(() => mse(z, z, 5 as never)).toThrow(ValueError);
    expect(mse(z, z.mul(2), null as never).item()).toBe(mse(z, z.mul(2)).item());
  });
  it("softmaxCrossEntropy with 'none' gives the cat, car and frog rows their own losses", () => {
    const rows = softmaxCrossEntropy(tensor(scores), labels, { reduction: 'none' }).data;
    expect(rows[0]).toBeCloseTo(2.0404, 4);
    expect(Array.from(svmLoss(tensor(scores), labels, { reduction: 'none' }).data).map((v) => Number(v.toFixed(12)))).toEqual([2.9, 0, 12.9]);
  });
});

describe('accuracy', () => {
  it('counts rows whose arg-max is the label (first index on ties)', () => {
    expect(Array.from(predictClasses(tensor(scores)))).toEqual([1, 1, 1]);
    expect(accuracy(tensor(scores), labels)).toBeCloseTo(1 / 3, 15);
    expect(Array.from(predictClasses(tensor([[2, 2, 1]])))).toEqual([0]);
  });
});

// softmaxCrossEntropy beyond [N, C] and class labels (PyTorch's cross_entropy): scores [N, C, d1, ...] with
// labels [N, d1, ...], probability targets, label smoothing. The values against PyTorch are in
// torch-nn.test.ts; here the composite oracle, the fast path's equivalences, and the refusals.
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, fromData, randn, tensor } from '@tensorgrad/core';
import { logSoftmax, mean, mul, neg, sum, transpose, reshape } from '@tensorgrad/ops';
import { softmaxCrossEntropy } from '@tensorgrad/nn';
import { refuses } from '../../../test/refusals.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-14): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!)));
};

describe('softmaxCrossEntropy with [N, C, d1, ...] scores', () => {
  it('equals the [N·d1, C] loss of the same positions, loss and gradient', () => {
    const z = randn([2, 3, 4], { seed: 1, requiresGrad: true });
    const labels = tensor([[0, 2, 1, 1], [2, 2, 0, 1]]);
    const loss = softmaxCrossEntropy(z, labels);
    loss.backward();
    // The same positions as rows: [N, C, d] -> [N, d, C] -> [N·d, C].
    const flat = reshape(transpose(z.detach(), [0, 2, 1]), [8, 3]);
    flat.requiresGrad = true;
    const reference = softmaxCrossEntropy(flat, Array.from(labels.data));
    reference.backward();
    close(loss.data, reference.data);
    close(z.grad!.data, reshape(transpose(reshape(flat.grad!, [2, 4, 3]), [0, 2, 1]), [2, 3, 4]).data);
  });

  it("reduction 'none' has the labels' shape", () => {
    const z = randn([2, 3, 2, 5], { seed: 2 });
    const labels = fromData(new Float64Array(20).map((_, i) => i % 3), [2, 2, 5]);
    const losses = softmaxCrossEntropy(z, labels, { reduction: 'none' });
    expect(losses.shape).toEqual([2, 2, 5]);
    close([softmaxCrossEntropy(z, labels, { reduction: 'sum' }).item()], [sum(losses).item()]);
  });
});

describe('label smoothing and probability targets: the composite -Σ q·logSoftmax(z) as oracle', () => {
  it('class labels with labelSmoothing 0.3: loss and gradient', () => {
    const z = randn([4, 5], { seed: 3, requiresGrad: true });
    const labels = [4, 0, 2, 2];
    const eps = 0.3;
    const q = new Float64Array(20).fill(eps / 5);
    labels.forEach((y, i) => (q[i * 5 + y]! += 1 - eps));
    const oracleZ = z.detach();
    oracleZ.requiresGrad = true;
    const oracle = mean(neg(sum(mul(logSoftmax(oracleZ, 1), fromData(q, [4, 5])), 1)));
    const loss = softmaxCrossEntropy(z, labels, { labelSmoothing: eps });
    close(loss.data, oracle.data);
    loss.backward();
    oracle.backward();
    close(z.grad!.data, oracleZ.grad!.data);
  });

  it('probability targets that need not sum to 1: the target gets -log p as its gradient', () => {
    const z = randn([3, 4], { seed: 4, requiresGrad: true });
    const t = tensor([[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0], [0.5, 0.5, 0.5, 0.5]], { requiresGrad: true });
    const loss = softmaxCrossEntropy(z, t, { reduction: 'sum' });
    const oz = z.detach();
    const ot = t.detach();
    oz.requiresGrad = true;
    ot.requiresGrad = true;
    const oracle = neg(sum(mul(logSoftmax(oz, 1), ot)));
    close(loss.data, oracle.data);
    loss.backward();
    oracle.backward();
    close(z.grad!.data, oz.grad!.data);
    close(t.grad!.data, ot.grad!.data);
  });

  it('labelSmoothing 0 is the fast path itself: the same bits; one-hot probability targets agree with labels', () => {
    const z = randn([5, 3], { seed: 5 });
    const labels = [0, 2, 1, 1, 0];
    expect(softmaxCrossEntropy(z, labels, { labelSmoothing: 0 }).item()).toBe(softmaxCrossEntropy(z, labels).item());
    const onehot = new Float64Array(15);
    labels.forEach((y, i) => (onehot[i * 3 + y] = 1));
    close(softmaxCrossEntropy(z, fromData(onehot, [5, 3])).data, softmaxCrossEntropy(z, labels).data);
  });
});

describe('softmaxCrossEntropy refusals', () => {
  const z = randn([2, 3, 4], { seed: 6 });
  it('labels that are not [N, d1, ...], or a plain array, for [N, C, d1] scores', () => {
    refuses(() => softmaxCrossEntropy(z, tensor([[0, 1, 2], [0, 1, 2]])), ShapeError, 'softmaxCrossEntropy', 'scores [2, 3, 4] take labels of shape [2, 4] (a Tensor) or probability targets of shape [2, 3, 4], got a tensor of shape [2, 3]');
    refuses(() => softmaxCrossEntropy(z, [0, 1, 2, 0, 1, 2, 0, 1]), ShapeError, 'softmaxCrossEntropy', 'take labels of shape [2, 4] (a Tensor)');
  });

  it('a label out of range at any position', () => {
    refuses(() => softmaxCrossEntropy(z, tensor([[0, 1, 2, 0], [1, 3, 0, 0]])), ValueError, 'softmaxCrossEntropy', 'label 3 at index 5 is out of range for 3 classes');
  });

  it('labelSmoothing outside [0, 1] or not a number; a non-finite probability target', () => {
    for (const bad of [-0.1, 1.5, NaN, '0.1']) {
      refuses(() => softmaxCrossEntropy(randn([2, 3], { seed: 7 }), [0, 1], { labelSmoothing: bad as number }), ValueError, 'softmaxCrossEntropy', 'labelSmoothing must be a number in [0, 1]');
    }
    refuses(() => softmaxCrossEntropy(randn([2, 3], { seed: 7 }), tensor([[0, 1, NaN], [1, 0, 0]])), ValueError, 'softmaxCrossEntropy', 'probability target NaN at index 2 is not finite');
  });

  it('empty scores', () => {
    refuses(() => softmaxCrossEntropy(randn([2, 3, 0]), tensor([[], []])), ShapeError, 'softmaxCrossEntropy', 'scores of shape [2, 3, 0] are empty');
  });
});

// nn's lines of the op table: its fused losses define ops of their own (registered like the ops'), so they
// get lines like the ops' (packages/ops/test/op-table.ts), with inputs from the same samplers. `fullOpTable`
// is the one list every table suite in the top-level test/ runs: the gradient-check table, the gradient
// shapes and the in-place writes.
import { fromData } from '@tensorgrad/core';
import { binaryCrossEntropyWithLogits, embedding, mse, softmaxCrossEntropy, svmLoss } from '@tensorgrad/nn';
import { normal, opTable, positive, type OpLine } from '../../ops/test/op-table.js';

export const nnOpTable: OpLine[] = [
  {
    op: 'softmaxCrossEntropy',
    note: 'logits [4, 3], labels [2, 0, 1, 2]',
    inputs: () => [normal([4, 3])],
    f: (z) => softmaxCrossEntropy(z, [2, 0, 1, 2]),
  },
  {
    op: 'softmaxCrossEntropy',
    note: "scores [2, 3, 4] (classes on axis 1), labels [2, 4], labelSmoothing 0.1, reduction 'none'",
    inputs: () => [normal([2, 3, 4])],
    f: (z) => softmaxCrossEntropy(z, fromData(Float64Array.from([0, 2, 1, 1, 2, 2, 0, 1]), [2, 4]), { labelSmoothing: 0.1, reduction: 'none' }),
  },
  {
    op: 'softmaxCrossEntropy',
    note: 'probability targets [3, 2, 2] (gradients for both), labelSmoothing 0.2',
    inputs: () => [normal([3, 2, 2]), positive([3, 2, 2])],
    f: (z, t) => softmaxCrossEntropy(z, t.mul(0.4), { labelSmoothing: 0.2 }),
  },
  {
    // Hinge kinks sit where s_j - s_y + 1 = 0; normal scores land within eps of one with probability ~1e-6.
    op: 'svmLoss',
    note: 'scores [4, 3], margin 1',
    inputs: () => [normal([4, 3])],
    f: (s) => svmLoss(s, [2, 0, 1, 2]),
  },
  {
    op: 'embedding',
    note: 'weight [4, 3], indices [2, 3] with repeats',
    inputs: () => [normal([4, 3])],
    f: (w) => embedding(fromData(Float64Array.from([0, 2, 2, 3, 1, 0]), [2, 3]), w),
  },
  { op: 'mse', note: 'input and target [2, 3]', inputs: () => [normal([2, 3]), normal([2, 3])], f: (a, b) => mse(a, b) },
  {
    op: 'binaryCrossEntropyWithLogits',
    note: 'logits and probability targets [2, 3]',
    inputs: () => [normal([2, 3]), positive([2, 3])],
    f: (x, t) => binaryCrossEntropyWithLogits(x, t.mul(0.4)),
  },
  {
    op: 'binaryCrossEntropyWithLogits',
    note: "posWeight [3] and weight [2, 1], reduction 'sum'",
    inputs: () => [normal([2, 3]), positive([2, 3]), positive([3]), positive([2, 1])],
    f: (x, t, p, w) => binaryCrossEntropyWithLogits(x, t.mul(0.4), { posWeight: p, weight: w, reduction: 'sum' }),
  },
];

/** Every registered op's lines: the ops' table, then nn's. */
export const fullOpTable: OpLine[] = [...opTable, ...nnOpTable];

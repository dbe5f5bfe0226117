// Class labels and gather indices out of range or not integers: a ValueError naming the label, its index
// and the class count, with the scores untouched.
import { describe, it } from 'vitest';
import { ShapeError, ValueError, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { softmaxCrossEntropy, svmLoss } from '@tensorgrad/nn';
import { expectUnchanged, refuses, snapshot, withGrad } from './refusals.js';

describe('labels out of range or not integers', () => {
  const z = () => withGrad([[1, 2, 3], [4, 5, 6]], 'z');
  it.each([
    ['softmaxCrossEntropy', softmaxCrossEntropy],
    ['svmLoss', svmLoss],
  ] as const)('%s names the label, its index and the class count', (name, loss) => {
    const scores = z();
    const before = snapshot(scores);
    refuses(() => loss(scores, [0, 3]), ValueError, name, 'label 3 at index 1 is out of range for 3 classes', '0 <= label < 3');
    refuses(() => loss(scores, [-1, 0]), ValueError, name, 'label -1 at index 0 is out of range');
    refuses(() => loss(scores, [0, 1.5]), ValueError, name, 'label 1.5 at index 1 is not an integer');
    refuses(() => loss(scores, [NaN, 0]), ValueError, name, 'label NaN at index 0 is not an integer');
    refuses(() => loss(scores, ['1', 0] as unknown as number[]), ValueError, name, 'label "1" at index 0 is not an integer');
    refuses(() => loss(scores, [0, '1'] as unknown as number[]), ValueError, name, 'label "1" at index 1 is not an integer');
    refuses(() => loss(scores, [0, null] as unknown as number[]), ValueError, name, 'label null at index 1 is not an integer');
    refuses(() => loss(scores, tensor([0, 2.5])), ValueError, name, 'label 2.5 at index 1');
    refuses(() => loss(scores, null as unknown as number[]), ValueError, name, 'labels must be an array');
    // A label equal to the class count is the classic off-by-one: refused, not read past the row.
    refuses(() => loss(scores, Int32Array.from([3, 0])), ValueError, name, 'label 3 at index 0');
    expectUnchanged(before);
  });

  it('gather refuses out-of-range and fractional indices', () => {
    const scores = z();
    const before = snapshot(scores);
    refuses(() => ops.gather(scores, [0, 3]), ValueError, 'gather', 'index 3 at position 1 is out of range [0, 3)', '[2, 3]');
    refuses(() => ops.gather(scores, [0.5, 1]), ValueError, 'gather', 'index 0.5 at position 0 is not an integer');
    refuses(() => ops.gather(scores, [0]), ShapeError, 'gather', 'indices of shape [1] do not match x of shape [2, 3]');
    expectUnchanged(before);
  });
});

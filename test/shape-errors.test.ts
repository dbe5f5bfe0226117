// Operands whose shapes do not fit (binary ops, matmul, linear, the losses) and axes out of range: each
// refusal is a ShapeError whose message starts with the op and names the shapes, dimensions or axes, and
// every tensor involved is exactly as it was before the call.
import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, TensorgradError, ValueError, ones, tensor, zeros } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { Linear, mse, softmaxCrossEntropy, svmLoss } from '@tensorgrad/nn';
import { expectUnchanged, refuses, snapshot, withGrad } from './refusals.js';

describe('shape mismatch in every binary op (functions and methods)', () => {
  const binary = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;

  it.each(binary)('%s: [2, 3] with [4] is a ShapeError naming both shapes and the clashing dimension', (name) => {
    const a = withGrad([[1, 2, 3], [4, 5, 6]], 'a');
    const b = withGrad([1, 2, 3, 4], 'b');
    const before = snapshot(a, b);
    const op = (ops as unknown as Record<string, (x: Tensor, y: Tensor) => Tensor>)[name]!;
    refuses(() => op(a, b), ShapeError, name, '[2, 3]', '[4]', 'cannot be broadcast', 'dimension -1 is 3 vs 4');
    refuses(() => (a as unknown as Record<string, (y: Tensor) => Tensor>)[name]!(b), ShapeError, name, '[2, 3] and [4]');
    // A trailing match with a clash further left: [2, 3] against [4, 3].
    refuses(() => op(a, ones([4, 3])), ShapeError, name, '[2, 3] and [4, 3]', 'dimension -2 is 2 vs 4');
    expectUnchanged(before);
  });

  it('a mismatch inside a bigger graph leaves the graph built so far usable', () => {
    const x = withGrad([1, 2], 'x');
    const h = ops.exp(x);
    const before = snapshot(x, h);
    refuses(() => ops.add(h, ones([3])), ShapeError, 'add', '[2] and [3]');
    expectUnchanged(before);
    x.zeroGrad();
    ops.sum(h).backward();
    expect(Array.from(x.grad!.data)).toEqual([Math.exp(1), Math.exp(2)]);
  });

  it('mismatched operands are ShapeErrors naming the op and both shapes', () => {
    const a = tensor([[1, 2, 3]]);
    const b = tensor([1, 2]);
    try {
      ops.add(a, b);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ShapeError);
      expect(e).toBeInstanceOf(TensorgradError);
      expect((e as ShapeError).op).toBe('add');
      expect((e as Error).message).toMatch(/^add: .*\[1, 3\].*\[2\]/);
    }
  });
});

describe('matmul, linear and the losses', () => {
  it('matmul names both shapes and the dimensions that disagree, for every rank combination', () => {
    const a = withGrad([[1, 2, 3], [4, 5, 6]], 'a');
    const b = withGrad([[1, 2, 3], [4, 5, 6]], 'b');
    const before = snapshot(a, b);
    refuses(() => ops.matmul(a, b), ShapeError, 'matmul', '[2, 3] and [2, 3] are not aligned', '3 (last dim of a) != 2');
    refuses(() => a.matmul(b), ShapeError, 'matmul', 'not aligned');
    refuses(() => ops.matmul(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, 'matmul', '[2] and [3]');
    refuses(() => ops.matmul(a, tensor([1, 2])), ShapeError, 'matmul', '[2, 3] and [2]', 'dim 0 of b');
    refuses(() => ops.matmul(zeros([2, 2, 3]), zeros([3, 3, 1])), ShapeError, 'matmul', 'batch dims [2] of a [2, 2, 3] and [3] of b [3, 3, 1] cannot be broadcast together');
    refuses(() => ops.matmul(tensor(2), a), ShapeError, 'matmul', 'at least one dimension');
    refuses(() => ops.matmul(a, [[1], [2], [3]] as unknown as Tensor), ValueError, 'matmul', 'expected a Tensor or a number, got an Array (wrap nested arrays with tensor(...))');
    expectUnchanged(before);
  });

  it('linear names the input, the weight and the bias', () => {
    const x = withGrad([[1, 2, 3]], 'x');
    const W = withGrad([[1, 2], [3, 4]], 'W');
    const bias = withGrad([1, 2, 3], 'bias');
    const before = snapshot(x, W, bias);
    refuses(() => ops.linear(x, W), ShapeError, 'linear', 'input [1, 3] does not end in', 'weight [2, 2]');
    refuses(() => ops.linear(tensor([[1, 2]]), W, bias), ShapeError, 'linear', 'bias must be [2]', 'got [3]');
    refuses(() => ops.linear(x, tensor([1, 2, 3])), ShapeError, 'linear', 'weight must be [out, in], got [3]');
    expectUnchanged(before);
  });

  it('nn.Linear names the expected features and the weight', () => {
    const layer = new Linear(3, 2, { seed: 1 });
    const before = snapshot(...layer.parameters());
    refuses(() => layer.forward(tensor([[1, 2]])), ShapeError, 'Linear', 'expected input [..., 3], got [1, 2]', 'weight is [2, 3]');
    refuses(() => layer.forward(tensor(1)), ShapeError, 'Linear', 'got []');
    expectUnchanged(before);
  });

  it('softmaxCrossEntropy and svmLoss check scores and the number of labels; mse wants equal shapes', () => {
    const z = withGrad([[1, 2, 3], [4, 5, 6]], 'z');
    const before = snapshot(z);
    for (const [loss, name] of [[softmaxCrossEntropy, 'softmaxCrossEntropy'], [svmLoss, 'svmLoss']] as const) {
      refuses(() => loss(z, [0, 1, 2]), ShapeError, name, 'got 3 labels for 2 rows');
      refuses(() => loss(tensor([1, 2, 3]), [0]), ShapeError, name, 'scores must be [N, C], got shape [3]');
      refuses(() => loss(zeros([0, 3]), []), ShapeError, name, '[0, 3] are empty');
      refuses(() => loss(z, tensor([[0], [1]])), ShapeError, name, 'labels must be 1-d', '[2, 1]');
    }
    // [N] against [N, 1] would broadcast to [N, N]: mse refuses instead of silently computing the wrong loss.
    refuses(() => mse(tensor([1, 2, 3]), tensor([[1], [2], [3]])), ShapeError, 'mse', 'input [3] and target [3, 1] must have the same shape');
    expectUnchanged(before);
  });
});

describe('axis out of range', () => {
  const x = () => withGrad([[1, 2, 3], [4, 5, 6]], 'x');
  const axisOps: [string, (t: Tensor, axis: number) => unknown][] = [
    ['sum', (t, a) => ops.sum(t, a)],
    ['mean', (t, a) => ops.mean(t, a)],
    ['max', (t, a) => ops.max(t, a)],
    ['min', (t, a) => ops.min(t, a)],
    ['softmax', (t, a) => ops.softmax(t, a)],
    ['logSoftmax', (t, a) => ops.logSoftmax(t, a)],
    ['squeeze', (t, a) => ops.squeeze(t, a)],
    ['gather', (t, a) => ops.gather(t, [0, 0], a)],
    ['concat', (t, a) => ops.concat([t, t], a)],
  ];
  it.each(axisOps)('%s: axes 2, -3 and 0.5 of a 2-d tensor are ShapeErrors naming the axis and the rank', (op, f) => {
    const t = x();
    const before = snapshot(t);
    refuses(() => f(t, 2), ShapeError, op, 'axis 2 is out of range for a tensor with 2 dimensions');
    refuses(() => f(t, -3), ShapeError, op, 'axis -3 is out of range');
    refuses(() => f(t, 0.5), ShapeError, op, 'axis must be an integer, got 0.5');
    refuses(() => f(t, NaN), ShapeError, op, 'axis must be an integer, got NaN');
    expectUnchanged(before);
  });

  it('expandDims and stack count the new axis; transpose wants a permutation; repeated axes are refused', () => {
    const t = x();
    const before = snapshot(t);
    refuses(() => ops.expandDims(t, 4), ShapeError, 'expandDims', 'axis 4 is out of range');
    refuses(() => ops.stack([t, t], 3), ShapeError, 'stack', 'axis 3 is out of range for a tensor with 3 dimensions');
    refuses(() => ops.transpose(t, [0, 0]), ShapeError, 'transpose', '[0, 0] is not a permutation', '[2, 3]');
    refuses(() => ops.transpose(t, [0, 2]), ShapeError, 'transpose', 'axis 2 is out of range');
    refuses(() => ops.sum(t, [1, -1]), ShapeError, 'sum', 'repeated axis in [1, -1]');
    refuses(() => ops.sum(t, '1' as never), ShapeError, 'sum', 'axis must be a number, a list of numbers or null, got "1"');
    refuses(() => ops.squeeze(t, 0), ShapeError, 'squeeze');
    // A list where one axis goes is named as a list, not as "axis 0,1 is out of range".
    refuses(() => ops.softmax(t, [0, 1] as never), ShapeError, 'softmax', 'a single axis is expected here, got the list [0, 1]');
    refuses(() => ops.sum(t, 1.5), ShapeError, 'sum', 'axis must be an integer, got 1.5');
    refuses(() => ops.sum(t, [0, '1'] as never), ShapeError, 'sum', 'axis must be an integer, got "1"');
    expectUnchanged(before);
  });
});

// "The gradient with respect to a variable always has the variable's shape": asserted for every op, over
// the op table (the ops' and nn's lines: every registered op has one) plus the edge shapes each family has
// to get right.
import { describe, expect, it } from 'vitest';
import { Tensor, fromData, registeredOps } from 'tensorgrad';
import { sizeOf } from '@tensorgrad/core';
import * as tg from 'tensorgrad';
import { normal } from '../packages/ops/test/op-table.js';
import { fullOpTable } from '../packages/nn/test/op-table.js';

/** Runs backward with a seed of ones and returns each input's gradient shape. */
function gradientShapes(f: (...x: Tensor[]) => Tensor, inputs: Tensor[]): (readonly number[])[] {
  for (const t of inputs) t.requiresGrad = true;
  const y = f(...inputs);
  y.backward(fromData(new Float64Array(sizeOf(y.shape)).fill(1), y.shape));
  return inputs.map((t) => t.grad!.shape);
}

const edgeCases: [string, () => Tensor[], (...x: Tensor[]) => Tensor][] = [
  ['add 0-d + 0-d', () => [normal([]), normal([])], (a, b) => tg.add(a, b)],
  ['mul [1, 1] * [3]', () => [normal([1, 1]), normal([3])], (a, b) => tg.mul(a, b)],
  ['div [] / [2, 2]', () => [normal([]), normal([2, 2])], (a, b) => tg.div(a, b)],
  ['sum of a 0-d tensor', () => [normal([])], (x) => tg.sum(x)],
  ['sum over no axis ([])', () => [normal([2, 3])], (x) => tg.sum(x, [])],
  ['mean over axis -1 keepDims', () => [normal([2, 3])], (x) => tg.mean(x, -1, true)],
  ['max over two axes', () => [normal([2, 3, 4])], (x) => tg.max(x, [0, 2])],
  ['matmul vector·vector -> 0-d', () => [normal([3]), normal([3])], (a, b) => tg.matmul(a, b)],
  ['matmul [3]·[2, 3, 4] (vector with a batch)', () => [normal([3]), normal([2, 3, 4])], (a, b) => tg.matmul(a, b)],
  ['matmul [2, 4, 3]·[3] (batch with a vector)', () => [normal([2, 4, 3]), normal([3])], (a, b) => tg.matmul(a, b)],
  ['matmul [1, 2, 3]·[5, 3, 2] (broadcast batch)', () => [normal([1, 2, 3]), normal([5, 3, 2])], (a, b) => tg.matmul(a, b)],
  ['l2 of a 0-d tensor', () => [normal([])], (x) => tg.l2(x)],
  ['norm of a matrix', () => [normal([2, 2])], (x) => tg.norm(x)],
  ['reshape to 0-d', () => [normal([1, 1])], (x) => tg.reshape(x, [])],
  ['squeeze every axis of length 1', () => [normal([1, 3, 1])], (x) => tg.squeeze(x)],
  ['expandDims at 0 of a 0-d tensor', () => [normal([])], (x) => tg.expandDims(x, 0)],
  ['slice to 0-d', () => [normal([2, 3])], (x) => tg.slice(x, [1, 2])],
  ['slice to an empty range', () => [normal([2, 3])], (x) => tg.slice(x, [null, [2, 2]])],
  ['concat along axis 0', () => [normal([1, 3]), normal([2, 3])], (a, b) => tg.concat([a, b])],
  ['stack 0-d tensors', () => [normal([]), normal([]), normal([])], (a, b, c) => tg.stack([a, b, c])],
  ['gather along axis 1 of 3-d', () => [normal([2, 3, 4])], (x) => tg.gather(x, fromData(new Float64Array([0, 1, 2, 0, 1, 2, 2, 1]), [2, 4]), 1)],
  ['softmax along axis 0', () => [normal([3, 2])], (x) => tg.softmax(x, 0)],
  ['transpose of a vector (no-op)', () => [normal([3])], (x) => tg.transpose(x)],
  ['.T of a 3-d tensor', () => [normal([2, 3, 4])], (x) => x.T],
  ['.T of a 0-d tensor', () => [normal([])], (x) => x.T],
  ['take with 0-d indices (drops the axis)', () => [normal([3, 2])], (x) => tg.take(x, fromData(new Float64Array([1]), []))],
  ['take along the last axis of a 0-size selection', () => [normal([2, 3])], (x) => tg.take(x, [], 1)],
  ['gather of a 1-d tensor with a 0-d index', () => [normal([3])], (x) => tg.gather(x, fromData(new Float64Array([2]), []))],
  ['clamp of a 0-d tensor', () => [normal([])], (x) => tg.clamp(x, -10, 10)],
  ['where with a 0-d condition and 0-d b', () => [normal([2, 3]), normal([])], (a, b) => tg.where(1, a, b)],
  ['logsumexp of a 0-d tensor', () => [normal([])], (x) => tg.logsumexp(x)],
  ['variance over two axes, keepDims', () => [normal([2, 3, 2])], (x) => tg.variance(x, [0, 2], true)],
  ['flatten of a 0-d tensor -> [1]', () => [normal([])], (x) => tg.flatten(x)],
  ['clone of a 0-d tensor', () => [normal([])], (x) => tg.clone(x)],
  ['norm ord 1 over an axis of length 1', () => [normal([3, 1])], (x) => tg.norm(x, 1, 1)],
];

describe('every gradient has its input\'s shape', () => {
  it.each(fullOpTable.map((line) => [line.op, line.note, line] as const))('%s (%s)', (_op, _note, line) => {
    const inputs = line.inputs();
    if (line.outsideGraph) {
      for (const t of inputs) t.requiresGrad = true;
      expect(line.f(...inputs).requiresGrad).toBe(false);
      return;
    }
    const shapes = gradientShapes(line.f, inputs);
    expect(shapes).toEqual(inputs.map((t) => t.shape));
  });

  it.each(edgeCases)('%s', (_name, make, f) => {
    const inputs = make();
    expect(gradientShapes(f, inputs)).toEqual(inputs.map((t) => t.shape));
  });

  it('covers every registered op', () => {
    const covered = new Set(fullOpTable.map((line) => line.op));
    expect(registeredOps().filter((name) => !covered.has(name))).toEqual([]);
  });
});

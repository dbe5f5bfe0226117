// Anomaly mode (detectAnomaly) names the first op whose forward output or backward gradient holds a NaN
// or an Infinity, and which input (if any) already held it.
import { describe, expect, it } from 'vitest';
import { AnomalyError, ValueError, detectAnomaly, isAnomalyEnabled, noGrad, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { Linear, ReLU, Sequential, softmaxCrossEntropy } from '@tensorgrad/nn';
import { expectUnchanged, refuses, snapshot } from './refusals.js';

describe('anomaly mode names the first op that made a NaN or an Infinity', () => {
  it('log(0) is caught at log, not at the ops downstream of it', () => {
    const x = tensor([1, 0], { requiresGrad: true, name: 'x' });
    // Without anomaly mode the -Infinity flows on silently and the loss is just non-finite.
    expect(ops.sum(ops.mul(ops.log(x), 2)).item()).toBe(-Infinity);
    refuses(
      () => detectAnomaly(() => ops.sum(ops.mul(ops.log(x), 2))),
      AnomalyError,
      'log',
      'output holds -Infinity at flat index 1 (inputs [2]); every input was finite, so this op produced it',
    );
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('division by zero is caught at div, with both input shapes; 0/0 as NaN', () => {
    const a = tensor([[1, 2], [0, 4]], { name: 'a' });
    const b = tensor([1, 0], { name: 'b' });
    refuses(() => detectAnomaly(() => ops.div(a, b)), AnomalyError, 'div', 'output holds Infinity at flat index 1 (inputs [2, 2], [2])', 'every input was finite');
    refuses(() => detectAnomaly(() => ops.div(tensor([0]), 0)), AnomalyError, 'div', 'output holds NaN at flat index 0 (inputs [1], [])');
    refuses(() => detectAnomaly(() => ops.reciprocal(b)), AnomalyError, 'reciprocal', 'output holds Infinity at flat index 1');
  });

  it('detectAnomaly names the op that produced a non-finite value', () => {
    const x = tensor([1, 0], { requiresGrad: true, name: 'x' });
    expect(() => detectAnomaly(() => ops.sum(ops.log(x)))).toThrow(AnomalyError);
    expect(() => detectAnomaly(() => ops.sum(ops.log(x)))).toThrow(/^log: output holds -Infinity at flat index 1 \(inputs \[2\]\); every input was finite/);
    const nan = tensor([NaN, 1], { name: 'bad' });
    expect(() => detectAnomaly(() => ops.add(nan, 1))).toThrow(/^add: output holds NaN at flat index 0 \(inputs \[2\], \[\]\); input 0 'bad' of shape \[2\] already held NaN/);
  });

  it('names which input already held the non-finite value', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true, name: 'x' });
    const bias = tensor([0, Infinity], { name: 'bias' });
    refuses(() => detectAnomaly(() => ops.add(x, bias)), AnomalyError, 'add', "(inputs [2, 2], [2]); input 1 'bias' of shape [2] already held Infinity");
    refuses(() => detectAnomaly(() => ops.matmul(tensor([[NaN, 1]]), x)), AnomalyError, 'matmul', 'input 0 of shape [1, 2] already held NaN');
    // A loss fed NaN logits names itself and the logits.
    refuses(
      () => detectAnomaly(() => softmaxCrossEntropy(tensor([[NaN, 1], [0, 1]], { name: 'logits' }), [0, 1])),
      AnomalyError,
      'softmaxCrossEntropy',
      "input 0 'logits' of shape [2, 2] already held NaN",
    );
  });

  it('catches the first non-finite gradient of the backward pass, naming the op', () => {
    // sqrt at 0 is finite forward (0) but its derivative 1 / (2 sqrt x) is infinite there.
    const x = tensor([4, 0], { requiresGrad: true, name: 'x' });
    const before = snapshot(x);
    refuses(
      () => detectAnomaly(() => ops.sum(ops.sqrt(x)).backward()),
      AnomalyError,
      'sqrt',
      "backward's gradient for input 0 'x' of shape [2] holds Infinity at flat index 1 (inputs upstream gradient [2], [2]); the upstream gradient and the op's inputs were finite, so this op's backward produced it",
    );
    expectUnchanged(before);
  });

  it('a network: the first bad op inside a Linear -> ReLU -> Linear -> loss forward is the one named', () => {
    const net = new Sequential(new Linear(2, 3, { seed: 1 }), new ReLU(), new Linear(3, 2, { seed: 2 }));
    const x = tensor([[1, 2], [Infinity, 0]], { name: 'batch' });
    refuses(() => detectAnomaly(() => softmaxCrossEntropy(net.forward(x), [0, 1])), AnomalyError, 'linear', "input 0 'batch' of shape [2, 2] already held Infinity");
  });

  it('refuses a non-function', () => {
    refuses(() => detectAnomaly(3 as never), ValueError, 'detectAnomaly', 'expected a function');
    refuses(() => noGrad(null as never), ValueError, 'noGrad', 'expected a function');
  });
});

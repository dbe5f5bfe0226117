// In-place writes and the version counter (PyTorch's rule): a tensor saved for backward and modified
// since is an InPlaceError naming the op, the tensor and both versions; a refused backward changes nothing.
import { describe, expect, it } from 'vitest';
import { GraphError, InPlaceError, noGrad, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { Adam, Linear, SGD, Sequential, softmaxCrossEntropy } from '@tensorgrad/nn';
import { expectUnchanged, refuses, snapshot } from './refusals.js';

describe('in-place writes: the version counter and PyTorch\'s rule, end to end', () => {
  it('an optimizer step between forward and backward is an InPlaceError naming linear and the weight', () => {
    const layer = new Linear(2, 1, { seed: 3 });
    const opt = new SGD(layer.parameters(), { lr: 0.1 });
    const x = tensor([[1, 2], [3, 4]]);
    // One ordinary step, so the parameters hold gradients.
    ops.sum(layer.forward(x)).backward();
    opt.step();
    expect(layer.weight.version).toBe(1);
    const loss = ops.sum(ops.square(layer.forward(x)));
    opt.step(); // updates W in place while the graph above still needs W's old values
    expect(layer.weight.version).toBe(2);
    const before = snapshot(layer.weight, layer.bias!);
    refuses(
      () => loss.backward(),
      InPlaceError,
      'linear',
      "a tensor 'weight' of shape [1, 2] saved for backward was modified in place (version 1 at forward, 2 now)",
    );
    // The refused backward accumulated nothing and released nothing: zeroing, recomputing works.
    expectUnchanged(before);
    opt.zeroGrad();
    ops.sum(ops.square(layer.forward(x))).backward();
    expect(layer.weight.grad!.shape).toEqual([1, 2]);
  });

  it('with retainGraph, a step between two backward passes is caught on the second one', () => {
    const layer = new Linear(3, 2, { seed: 4 });
    const opt = new SGD(layer.parameters(), { lr: 0.1 });
    const x = tensor([[1, 2, 3]]);
    const loss = softmaxCrossEntropy(ops.relu(layer.forward(x)), [1]);
    loss.backward(undefined, { retainGraph: true });
    const grads = layer.parameters().map((p) => Array.from(p.grad!.data));
    opt.step();
    refuses(() => loss.backward(), InPlaceError, 'linear', "a tensor 'weight' of shape [2, 3]", 'version 0 at forward, 1 now');
    // The first pass's gradients are untouched by the refused second one.
    expect(layer.parameters().map((p) => Array.from(p.grad!.data))).toEqual(grads);
  });

  it('Adam steps and loadStateDict bump the version too; so does a write that throws half-way', () => {
    const w = tensor([1, 2], { requiresGrad: true, name: 'w' });
    const y = ops.mul(w, w);
    const adam = new Adam([w], { lr: 0.1 });
    ops.sum(ops.mul(w, 1)).backward();
    adam.step();
    refuses(() => ops.sum(y).backward(), InPlaceError, 'mul', "a tensor 'w' of shape [2] saved for backward was modified in place (version 0 at forward, 1 now)");

    const model = new Sequential(new Linear(2, 2, { seed: 1 }));
    const saved = model.forward(tensor([[1, 1]]));
    model.loadStateDict(model.stateDict());
    refuses(() => ops.sum(saved).backward(), InPlaceError, 'linear', "a tensor 'weight' of shape [2, 2]");

    const c = tensor([1, 2], { name: 'c' });
    const z = ops.mul(c, tensor([3, 4], { requiresGrad: true }));
    expect(() =>
      c.mutate((d) => {
        d[0] = 99;
        throw new Error('write failed half-way');
      }),
    ).toThrow('write failed half-way');
    expect(c.version).toBe(1);
    refuses(() => ops.sum(z).backward(), InPlaceError, 'mul', "a tensor 'c' of shape [2]");
  });

  it('writing to a tensor that requires grad outside noGrad is refused before anything changes', () => {
    const w = tensor([1, 2], { requiresGrad: true, name: 'w' });
    const before = snapshot(w);
    refuses(() => w.mutate((d) => d.fill(0)), GraphError, 'mutate', "a tensor 'w' that requires grad cannot be modified in place while grad is enabled");
    expectUnchanged(before);
    noGrad(() => w.mutate((d) => d.fill(0)));
    expect(w.version).toBe(1);
  });
});

describe('a saved tensor written in place, or an op output written under noGrad', () => {
  it('in-place writes to a tensor saved for backward are InPlaceErrors', () => {
    const c = tensor([1, 2], { name: 'c' });
    const x = tensor([3, 4], { requiresGrad: true });
    const f = ops.sum(ops.mul(c, x));
    c.mutate((d) => (d[1] = 0));
    expect(c.version).toBe(1);
    expect(() => f.backward()).toThrow(InPlaceError);
    expect(() => f.backward()).toThrow("mul: a tensor 'c' of shape [2] saved for backward was modified in place (version 0 at forward, 1 now)");
    expect(x.grad).toBeNull();
  });

  it('in-place writes to an op output under noGrad are caught as well', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    const y = ops.exp(x);
    const f = ops.sum(y);
    expect(() => y.mutate((d) => d.fill(1))).toThrow(GraphError);
    noGrad(() => y.mutate((d) => d.fill(1)));
    expect(() => f.backward()).toThrow(/^exp: .*saved for backward was modified in place/);
  });
});

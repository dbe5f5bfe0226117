// Issue 14 items 5 and 9: optimizer.step() checks everything before it writes anything. A later
// parameter's gradient of the wrong shape (or not a tensor), or a hyper-parameter made invalid after
// construction, is refused with an error naming the optimizer and the parameter, and nothing changes:
// parameter values and versions, the momentum / moment buffers, Adam's step counts. Hyper-parameters are
// checked on assignment too (`opt.lr = NaN` throws and keeps the last good value).
import { describe, expect, it } from 'vitest';
import { GraphError, ShapeError, Tensor, ValueError, ones, tensor, viewOf } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { Adam, Linear, ReLU, SGD, Sequential, softmaxCrossEntropy, type Optimizer } from '@tensorgrad/nn';
import { expectUnchanged, refuses, snapshot as snapshotTensors } from './refusals.js';

type Make = (params: Tensor[]) => Optimizer;

const optimizers: [string, string, Make][] = [
  ['SGD', 'plain', (p) => new SGD(p, { lr: 0.1 })],
  ['SGD', 'momentum and weight decay', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
  ['SGD', 'nesterov', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam', 'default', (p) => new Adam(p, { lr: 0.1 })],
  ['Adam', 'weight decay', (p) => new Adam(p, { lr: 0.1, weightDecay: 0.01 })],
];

/** Three parameters with gradients; the third, 'b' of shape [3], gets `badGrad` when given. */
function parameters(): Tensor[] {
  const w = tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true, name: 'w' });
  const u = tensor([1, 2], { requiresGrad: true }); // unnamed
  const b = tensor([0.1, 0.2, 0.3], { requiresGrad: true, name: 'b' });
  w._setGrad(tensor([[0.1, 0.2], [-0.3, 0.4]]), false);
  u._setGrad(tensor([1, -1]), false);
  b._setGrad(tensor([0.5, 0.5, -0.5]), false);
  return [w, u, b];
}

/** Everything a failed step must leave alone: values, versions, and the optimizer's own state. */
function snapshot(opt: Optimizer, params: Tensor[]): unknown {
  const internals = opt as unknown as { velocity?: Map<Tensor, Float64Array>; state?: Map<Tensor, { step: number; m: Float64Array; v: Float64Array }> };
  return {
    values: params.map((p) => p.toArray()),
    versions: params.map((p) => p.version),
    velocity: internals.velocity && params.map((p) => (internals.velocity!.has(p) ? Array.from(internals.velocity!.get(p)!) : null)),
    state: internals.state && params.map((p) => { const s = internals.state!.get(p); return s ? { step: s.step, m: Array.from(s.m), v: Array.from(s.v) } : null; }),
  };
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('nothing thrown');
}

describe.each(optimizers)('%s (%s): a bad later gradient updates nothing', (name, _variant, make) => {
  it('on the first step: no parameter, version or buffer changes, and the error names the optimizer and the parameter', () => {
    const params = parameters();
    const opt = make(params);
    params[2]!._setGrad(tensor([1, 2]), false); // the public setter refuses this; the check must not rely on it
    const before = snapshot(opt, params);
    const error = thrown(() => opt.step());
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as ShapeError).op).toBe(name);
    expect(error.message).toBe(`${name}: parameter 2 'b' of shape [3] has a gradient of shape [2]; step() updated nothing (a gradient has its parameter's shape)`);
    expect(snapshot(opt, params)).toEqual(before);
  });

  it('after good steps (buffers and step counts exist): the next steps match an optimizer that never saw the failure, bit for bit', () => {
    const params = parameters();
    const reference = parameters();
    const opt = make(params);
    const ref = make(reference);
    opt.step();
    ref.step();
    const good = params[2]!._peekGrad();
    params[2]!._setGrad(tensor([[1, 2, 3]]), false);
    const before = snapshot(opt, params);
    expect(thrown(() => opt.step())).toBeInstanceOf(ShapeError);
    expect(snapshot(opt, params)).toEqual(before);
    params[2]!._setGrad(good, false);
    opt.step();
    opt.step();
    ref.step();
    ref.step();
    expect(params.map((p) => p.toArray())).toEqual(reference.map((p) => p.toArray()));
    expect(snapshot(opt, params)).toEqual(snapshot(ref, reference));
  });

  it('a gradient that is not a tensor is a ValueError naming the parameter (an unnamed one by index and shape)', () => {
    const params = parameters();
    const opt = make(params);
    params[1]!._setGrad([1, -1] as never, false);
    const before = snapshot(opt, params);
    const error = thrown(() => opt.step());
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toBe(`${name}: parameter 1 of shape [2] has a gradient that is not a Tensor ([1, -1]); step() updated nothing`);
    expect(snapshot(opt, params)).toEqual(before);
  });

  it('a frozen parameter is skipped, so its stale gradient is not checked (as PyTorch)', () => {
    const params = parameters();
    const opt = make(params);
    params[2]!._setGrad(tensor([1, 2]), false);
    params[2]!.requiresGrad = false;
    opt.step();
    expect(params[2]!.toArray()).toEqual([0.1, 0.2, 0.3]);
    expect(params[0]!.version).toBe(1);
  });
});

describe('hyper-parameters assigned after construction are checked', () => {
  const sgdCases: [keyof SGD & string, unknown, string][] = [
    ['lr', NaN, 'SGD: lr must be a finite number >= 0, got NaN'],
    ['lr', -0.1, 'SGD: lr must be a finite number >= 0, got -0.1'],
    ['lr', Infinity, 'SGD: lr must be a finite number >= 0, got Infinity'],
    ['lr', '0.1', 'SGD: lr must be a finite number >= 0, got "0.1"'],
    ['momentum', -1, 'SGD: momentum must be a finite number >= 0, got -1'],
    ['weightDecay', NaN, 'SGD: weightDecay must be a finite number >= 0, got NaN'],
    ['nesterov', 'yes', 'SGD: nesterov must be true or false, got "yes"'],
  ];
  it.each(sgdCases)('SGD: %s = %s is a ValueError and the last good value stays', (key, value, message) => {
    const params = parameters();
    const opt = new SGD(params, { lr: 0.5, momentum: 0.5 });
    const old = opt[key];
    const error = thrown(() => ((opt as unknown as Record<string, unknown>)[key] = value));
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toBe(message);
    expect(opt[key]).toBe(old);
    opt.step();
    expect(params[1]!.toArray()).toEqual([0.5, 2.5]);
  });

  const adamCases: [string, unknown, string][] = [
    ['lr', NaN, 'Adam: lr must be a finite number >= 0, got NaN'],
    ['eps', -1e-8, 'Adam: eps must be a finite number >= 0, got -1e-8'],
    ['weightDecay', Infinity, 'Adam: weightDecay must be a finite number >= 0, got Infinity'],
    ['betas', [0.9], 'Adam: betas must be a pair [beta1, beta2], got [0.9]'],
    ['betas', [1, 0.999], 'Adam: betas[0] must be a finite number in [0, 1), got 1'],
    ['betas', [0.9, NaN], 'Adam: betas[1] must be a finite number in [0, 1), got NaN'],
  ];
  it.each(adamCases)('Adam: %s = %s is a ValueError and the last good value stays', (key, value, message) => {
    const opt = new Adam(parameters(), { lr: 0.01 });
    const old = (opt as unknown as Record<string, unknown>)[key];
    const error = thrown(() => ((opt as unknown as Record<string, unknown>)[key] = value));
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toBe(message);
    expect((opt as unknown as Record<string, unknown>)[key]).toBe(old);
  });

  it('valid assignments take effect at the next step (a schedule); Adam keeps a frozen copy of betas', () => {
    const params = parameters();
    const opt = new SGD(params, { lr: 1 });
    opt.lr = 0.5;
    opt.step();
    expect(params[1]!.toArray()).toEqual([0.5, 2.5]);
    const betas: [number, number] = [0.8, 0.99];
    const adam = new Adam(parameters());
    adam.betas = betas;
    betas[0] = 5;
    expect(adam.betas).toEqual([0.8, 0.99]);
    expect(Object.isFrozen(adam.betas)).toBe(true);
  });

  it('momentum set to 0 while nesterov is on: the step is refused before any write', () => {
    const params = parameters();
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true });
    opt.momentum = 0;
    const before = snapshot(opt, params);
    expect(thrown(() => opt.step()).message).toBe('SGD: nesterov momentum requires a momentum > 0, got momentum 0');
    expect(snapshot(opt, params)).toEqual(before);
  });
});

describe('parameters an optimizer cannot update in place', () => {
  it('a broadcast view is refused at construction, naming the parameter', () => {
    const x = tensor([1, 2, 3]);
    const v = viewOf(x, [2, 3], [0, 1]);
    v.requiresGrad = true;
    for (const [name, make] of [['SGD', () => new SGD([tensor([1], { requiresGrad: true }), v])], ['Adam', () => new Adam([v])]] as const) {
      const error = thrown(make);
      expect(error).toBeInstanceOf(ValueError);
      expect(error.message).toMatch(new RegExp(`^${name}: parameter \\d of shape \\[2, 3\\] is a broadcast view \\(stride 0 along axis 0\\): it cannot be updated in place; pass a copy \\(clone\\(\\)\\)$`));
    }
  });
});

describe('refusals in the middle of training change nothing: a twin that never saw them stays identical', () => {
  it('SGD with momentum and Adam: bad loads, bad inputs, bad labels and bad backwards between steps', () => {
    const x = tensor([[1, -1], [0.5, 2], [-1, 0]]);
    const labels = [0, 1, 1];
    for (const makeOptimizer of [(p: Tensor[]) => new SGD(p, { lr: 0.1, momentum: 0.9 }), (p: Tensor[]) => new Adam(p, { lr: 0.01 })]) {
      const nets = [0, 1].map(() => new Sequential(new Linear(2, 3, { seed: 1 }), new ReLU(), new Linear(3, 2, { seed: 2 })));
      const opts = nets.map((n) => makeOptimizer(n.parameters()));
      const step = (i: number): void => {
        opts[i]!.zeroGrad();
        softmaxCrossEntropy(nets[i]!.forward(x), labels).backward();
        opts[i]!.step();
      };
      step(0);
      step(1);
      const [net] = nets as [Sequential];
      // Leave a gradient in place so the refusals below could corrupt it.
      softmaxCrossEntropy(net.forward(x), labels).backward();
      softmaxCrossEntropy(nets[1]!.forward(x), labels).backward();
      const before = snapshotTensors(...net.parameters());
      const state = net.stateDict();
      refuses(() => net.loadStateDict({ ...state, '2.bias': ones([3]) }), ShapeError, 'loadStateDict');
      refuses(() => net.forward(tensor([[1, 2, 3]])), ShapeError, 'Linear');
      refuses(() => softmaxCrossEntropy(net.forward(x), [0, 1, 2]), ValueError, 'softmaxCrossEntropy');
      refuses(() => net.forward(x).backward(), GraphError, 'backward');
      const released = ops.sum(net.forward(x));
      released.backward();
      refuses(() => released.backward(), GraphError, 'backward');
      // That successful backward did accumulate (as it should); the twin does the same.
      ops.sum(nets[1]!.forward(x)).backward();
      expect(before.every((s) => s.tensor.version === s.version)).toBe(true);
      // Same gradients, then the same step (momentum / Adam moments included): identical parameters.
      opts[0]!.step();
      opts[1]!.step();
      step(0);
      step(1);
      const [a, b] = nets.map((n) => n.parameters().map((p) => Array.from(p.data)));
      expect(a).toEqual(b);
    }
  });
});

describe('optimizers refuse bad hyper-parameters and non-leaf tensors', () => {
  const p = () => tensor([1, 2], { requiresGrad: true, name: 'w' });
  it.each([
    ['SGD', (params: Tensor[], lr: number) => new SGD(params, { lr })],
    ['Adam', (params: Tensor[], lr: number) => new Adam(params, { lr })],
  ] as const)('%s', (name, make) => {
    const w = p();
    const before = snapshotTensors(w);
    refuses(() => make([w], -0.1), ValueError, name, 'lr must be a finite number >= 0, got -0.1');
    refuses(() => make([w], NaN), ValueError, name, 'lr must be a finite number >= 0, got NaN');
    refuses(() => make([w], Infinity), ValueError, name, 'got Infinity');
    refuses(() => make([w, ops.mul(w, 2)], 0.1), ValueError, name, 'parameter 1 of shape [2] is not a leaf');
    refuses(() => make([w, [1, 2] as never], 0.1), ValueError, name, 'parameter 1 is not a Tensor');
    refuses(() => make([], 0.1), ValueError, name, 'empty parameter list');
    expectUnchanged(before);
  });

  it('SGD momentum and Adam betas out of range', () => {
    refuses(() => new SGD([p()], { momentum: -0.5 }), ValueError, 'SGD', 'momentum must be a finite number >= 0');
    refuses(() => new Adam([p()], { betas: [1, 0.999] }), ValueError, 'Adam', 'betas[0] must be a finite number in [0, 1), got 1');
    refuses(() => new Adam([p()], { eps: -1 }), ValueError, 'Adam', 'eps must be');
  });
});

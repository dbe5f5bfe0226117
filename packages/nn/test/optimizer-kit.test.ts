// AdamW, RMSprop, the learning-rate schedulers and clipGradNorm beyond the PyTorch fixtures
// (torch-nn.test.ts): updates by hand, a bad later gradient that changes nothing, the checks on every
// hyper-parameter and argument, and clipGradNorm's edge cases (no gradients, nothing to clip, non-finite norms).
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, ones, tensor, viewOf, type Tensor } from '@tensorgrad/core';
import { Adam, AdamW, CosineAnnealingLR, LinearLR, RMSprop, SGD, StepLR, clipGradNorm, type Optimizer } from '@tensorgrad/nn';
import { refuses } from '../../../test/refusals.js';

function param(values: number[], grad: number[]): Tensor {
  const p = tensor(values, { requiresGrad: true });
  p.grad = tensor(grad);
  return p;
}

describe('AdamW', () => {
  it('decays the weight itself, then takes the Adam step on the plain gradient', () => {
    const p = param([2, -1], [0.5, 0.5]);
    new AdamW([p], { lr: 0.1, weightDecay: 0.5 }).step();
    // W *= 1 - 0.1·0.5; the first Adam step is lr·sign(g) (m̂ = g, v̂ = g²) up to eps.
    const step = 0.1 * (0.5 / (0.5 + 1e-8));
    expect(Array.from(p.data)).toEqual([2 * 0.95 - step, -1 * 0.95 - step]);
  });

  it('with weightDecay 0 is Adam, bit for bit; its defaults are PyTorch’s', () => {
    const a = param([1, 2, 3], [0.1, -0.2, 0.3]);
    const b = param([1, 2, 3], [0.1, -0.2, 0.3]);
    const adam = new Adam([a], { lr: 0.01 });
    const adamw = new AdamW([b], { lr: 0.01, weightDecay: 0 });
    for (let i = 0; i < 4; i++) {
      adam.step();
      adamw.step();
    }
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    const defaults = new AdamW([a]).stateDict().paramGroups[0];
    expect(defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, params: [0] });
  });
});

describe('RMSprop', () => {
  it('one step by hand: s = (1-α)g², W -= lr·g / (√s + eps); with momentum the buffer is g / (√s + eps)', () => {
    const p = param([1, -1], [0.2, -0.4]);
    new RMSprop([p], { lr: 0.01, alpha: 0.9 }).step();
    expect(p.data[0]).toBeCloseTo(1 - (0.01 * 0.2) / (Math.sqrt(0.1 * 0.04) + 1e-8), 15);
    const q = param([1, -1], [0.2, -0.4]);
    const opt = new RMSprop([q], { lr: 0.01, alpha: 0.9, momentum: 0.5 });
    opt.step();
    const buffer = (opt.stateDict().state['0']!.momentumBuffer as Tensor).data;
    expect(buffer[1]).toBeCloseTo(-0.4 / (Math.sqrt(0.1 * 0.16) + 1e-8), 14);
    expect(new RMSprop([q]).stateDict().paramGroups[0]).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, params: [0] });
  });

  it('centered: divides by √(s - a²), the running variance', () => {
    const p = param([0], [3]);
    new RMSprop([p], { lr: 1, alpha: 0.5, eps: 0, centered: true }).step();
    // s = 0.5·9 = 4.5, a = 1.5, s - a² = 2.25: W = 0 - 3 / 1.5.
    expect(p.data[0]).toBe(-2);
  });
});

const makers: [string, (p: Tensor[]) => Optimizer][] = [
  ['AdamW', (p) => new AdamW(p, { lr: 0.1, amsgrad: true })],
  ['RMSprop', (p) => new RMSprop(p, { lr: 0.1, momentum: 0.9, centered: true })],
];

describe.each(makers)('%s: a bad later gradient updates nothing', (name, make) => {
  it('values, versions and state stay as they were, and the error names the parameter', () => {
    const params = [param([1, 2], [0.1, 0.2]), param([3, 4, 5], [0.3, -0.1, 0.2])];
    const opt = make(params);
    opt.step();
    params[1]!._setGrad(tensor([1, 2]), false);
    const before = JSON.stringify([params.map((p) => [Array.from(p.data), p.version]), Object.values(opt.stateDict().state).map((e) => Object.values(e).map((v) => (typeof v === 'number' ? v : Array.from(v.data))))]);
    refuses(() => opt.step(), ShapeError, name, 'parameter 1 of shape [3] has a gradient of shape [2]; step() updated nothing');
    const after = JSON.stringify([params.map((p) => [Array.from(p.data), p.version]), Object.values(opt.stateDict().state).map((e) => Object.values(e).map((v) => (typeof v === 'number' ? v : Array.from(v.data))))]);
    expect(after).toBe(before);
  });
});

describe('hyper-parameters are checked, in the constructor and on assignment', () => {
  const cases: [string, () => unknown, string][] = [
    ['AdamW', () => new AdamW([param([1], [1])], { lr: -1 }), 'AdamW: lr must be a finite number >= 0, got -1'],
    ['AdamW', () => new AdamW([param([1], [1])], { amsgrad: 1 as never }), "AdamW: option 'amsgrad' must be true or false, got 1"],
    ['RMSprop', () => new RMSprop([param([1], [1])], { alpha: 1.5 }), 'RMSprop: alpha must be a finite number in [0, 1], got 1.5'],
    ['RMSprop', () => new RMSprop([param([1], [1])], { momentum: NaN }), 'RMSprop: momentum must be a finite number >= 0, got NaN'],
    ['RMSprop', () => { new RMSprop([param([1], [1])]).eps = -1; }, 'RMSprop: eps must be a finite number >= 0, got -1'],
    ['AdamW', () => { new AdamW([param([1], [1])]).weightDecay = Infinity; }, 'AdamW: weightDecay must be a finite number >= 0, got Infinity'],
  ];
  it.each(cases.map(([op, f, message]) => [op, message, f] as const))('%s: %s', (op, message, f) => {
    refuses(f, ValueError, op, message);
  });
});

describe('learning-rate schedulers', () => {
  const sgd = (lr = 0.1): SGD => new SGD([param([1], [1])], { lr });

  it('set the lr of epoch 0 at construction; StepLR, CosineAnnealingLR and LinearLR by their formulas', () => {
    const a = sgd();
    const step = new StepLR(a, 2, { gamma: 0.5 });
    const lrs = [a.lr];
    for (let i = 0; i < 5; i++) {
      step.step();
      lrs.push(a.lr);
    }
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    const b = sgd(1);
    const cosine = new CosineAnnealingLR(b, 4);
    for (let i = 0; i < 2; i++) cosine.step();
    expect(b.lr).toBeCloseTo(0.5, 15); // halfway down: (1 + cos(π/2)) / 2
    const c = sgd(1);
    const warmup = new LinearLR(c, { startFactor: 0.25, totalIters: 3 });
    const ramp = [c.lr];
    for (let i = 0; i < 4; i++) {
      warmup.step();
      ramp.push(c.lr);
    }
    ramp.forEach((lr, i) => expect(lr).toBeCloseTo([0.25, 0.5, 0.75, 1, 1][i]!, 15));
    expect(warmup.lastEpoch).toBe(4);
    expect(warmup.getLastLr()).toBe(c.lr);
  });

  it('a second scheduler on the same optimizer starts from the first lr (PyTorch initial_lr)', () => {
    const opt = sgd(1);
    new LinearLR(opt, { startFactor: 0.5 });
    expect(new StepLR(opt, 3).baseLr).toBe(1);
  });

  it('refuse bad arguments', () => {
    refuses(() => new StepLR(sgd(), 0), ValueError, 'StepLR', 'stepSize must be an integer >= 1, got 0');
    refuses(() => new StepLR(sgd(), 2, { gamma: NaN }), ValueError, 'StepLR', 'gamma must be a finite number >= 0, got NaN');
    refuses(() => new StepLR({ lr: 1 } as never, 2), ValueError, 'StepLR', 'expected an Optimizer (SGD, Adam, ...)');
    refuses(() => new CosineAnnealingLR(sgd(), 2.5), ValueError, 'CosineAnnealingLR', 'tMax must be an integer >= 1, got 2.5');
    refuses(() => new CosineAnnealingLR(sgd(), 5, { etaMin: -1 }), ValueError, 'CosineAnnealingLR', 'etaMin must be a finite number >= 0, got -1');
    refuses(() => new LinearLR(sgd(), { startFactor: 0 }), ValueError, 'LinearLR', 'startFactor must be > 0');
    refuses(() => new LinearLR(sgd(), { endFactor: 2 }), ValueError, 'LinearLR', 'endFactor must be a finite number in [0, 1], got 2');
    refuses(() => new LinearLR(sgd(), { totalIter: 3 } as never), ValueError, 'LinearLR', "unknown option 'totalIter' (did you mean 'totalIters'?)");
  });
});

describe('clipGradNorm', () => {
  it('scales every gradient by maxNorm / (total + 1e-6) when the total exceeds maxNorm, and returns the total', () => {
    const a = param([0, 0], [3, 0]);
    const b = param([0], [4]);
    expect(clipGradNorm([a, b], 1)).toBe(5);
    const scale = 1 / (5 + 1e-6);
    expect(Array.from(a.grad!.data)).toEqual([3 * scale, 0]);
    expect(Array.from(b.grad!.data)).toEqual([4 * scale]);
  });

  it('below maxNorm nothing is written (same values, same version); no gradients at all gives 0', () => {
    const a = param([0, 0], [0.3, 0.4]);
    const version = a.grad!.version;
    expect(clipGradNorm(a, 1)).toBeCloseTo(0.5, 15);
    expect(Array.from(a.grad!.data)).toEqual([0.3, 0.4]);
    expect(a.grad!.version).toBe(version);
    expect(clipGradNorm([tensor([1], { requiresGrad: true })], 1)).toBe(0);
  });

  it('orders 1 and Infinity; a frozen parameter with a gradient counts (as PyTorch); a parameter listed twice counts once', () => {
    const a = param([0, 0], [3, -4]);
    const frozen = param([0], [-12]);
    frozen.requiresGrad = false;
    expect(clipGradNorm([a, frozen, a], 100, { normType: 1 })).toBe(19);
    expect(clipGradNorm([a, frozen], 100, { normType: Infinity })).toBe(12);
  });

  it('a non-finite total: a ValueError and nothing written by default; with errorIfNonfinite: false scaled by it as PyTorch 1.13 does', () => {
    const a = param([0, 0], [Infinity, 1]);
    refuses(() => clipGradNorm([a], 1), ValueError, 'clipGradNorm', 'the total norm of order 2 of the gradients is Infinity, so they cannot be clipped (nothing was written');
    refuses(() => clipGradNorm([a], 1, { errorIfNonfinite: true }), ValueError, 'clipGradNorm', 'the total norm of order 2');
    expect(Array.from(a.grad!.data)).toEqual([Infinity, 1]);
    expect(clipGradNorm([a], 1, { errorIfNonfinite: false })).toBe(Infinity);
    expect(Array.from(a.grad!.data)).toEqual([NaN, 0]);
    const b = param([0], [NaN]);
    refuses(() => clipGradNorm([b], 1, { normType: Infinity }), ValueError, 'clipGradNorm', 'the total norm of order Infinity of the gradients is NaN');
    expect(clipGradNorm([b], 1, { normType: Infinity, errorIfNonfinite: false })).toBeNaN();
  });

  it('refuses bad arguments, and a broadcast-view gradient before writing any', () => {
    const a = param([0, 0], [30, 40]);
    refuses(() => clipGradNorm([a], -1), ValueError, 'clipGradNorm', 'maxNorm must be a finite number >= 0, got -1');
    refuses(() => clipGradNorm([a], 1, { normType: 0 }), ValueError, 'clipGradNorm', 'normType must be a number > 0 or Infinity, got 0');
    refuses(() => clipGradNorm([a, 3 as never], 1), ValueError, 'clipGradNorm', 'parameter 1 is not a Tensor (3)');
    refuses(() => clipGradNorm(null as never, 1), ValueError, 'clipGradNorm', 'params must be a Tensor or an iterable of Tensors');
    const b = tensor([[0, 0], [0, 0]], { requiresGrad: true });
    b.grad = viewOf(ones([2]), [2, 2], [0, 1]);
    refuses(() => clipGradNorm([a, b], 1), ValueError, 'clipGradNorm', 'parameter 1 of shape [2, 2] has a gradient that is a broadcast view');
    expect(Array.from(a.grad!.data)).toEqual([30, 40]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { ValueError, fromData, noGrad, randn, tensor, type Tensor } from '@tensorgrad/core';
import { gemmKernel, mul, setGemmKernel, square, sum, transpose } from '@tensorgrad/ops';
import { Adam, Linear, SGD, Sequential, Tanh, mse } from '@tensorgrad/nn';
import { bits, kernels, oldSgd, placed, specials } from '../../ops/test/update-values.js';

/** A parameter [1, -2] whose gradient is set by hand. */
function param(): Tensor {
  return tensor([1, -2], { requiresGrad: true, name: 'w' });
}

function setGrad(p: Tensor, g: number[]): void {
  p.grad = fromData(Float64Array.from(g), p.shape);
}

describe('SGD', () => {
  it("is the course's W -= lr · dW without momentum", () => {
    const w = param();
    const opt = new SGD([w], { lr: 0.1 });
    setGrad(w, [0.5, -1]);
    opt.step();
    expect(Array.from(w.data)).toEqual([1 - 0.05, -2 + 0.1]);
  });

  it('with momentum 0.9 and weight decay 0.01 follows hand-computed updates', () => {
    const w = param();
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    // Step 1: g = 0.5 + 0.01·1 = 0.51, v = 0.51, w = 1 - 0.051 = 0.949; g = -1 - 0.02 = -1.02, w = -2 + 0.102.
    setGrad(w, [0.5, -1]);
    opt.step();
    expect(w.data[0]).toBeCloseTo(0.949, 15);
    expect(w.data[1]).toBeCloseTo(-1.898, 15);
    // Step 2: g = 0.25 + 0.00949 = 0.25949, v = 0.9·0.51 + 0.25949 = 0.71849, w = 0.949 - 0.071849 = 0.877151.
    setGrad(w, [0.25, 2]);
    opt.step();
    expect(w.data[0]).toBeCloseTo(0.877151, 15);
    expect(w.data[1]).toBeCloseTo(-2.004302, 15);
  });

  it('with Nesterov momentum steps along g + μv', () => {
    const w = param();
    const opt = new SGD([w], { lr: 0.1, momentum: 0.5, nesterov: true });
    setGrad(w, [1, 1]);
    opt.step(); // v = 1, step = 1 + 0.5 = 1.5
    setGrad(w, [1, 1]);
    opt.step(); // v = 1.5, step = 1 + 0.75 = 1.75
    expect(w.data[0]).toBeCloseTo(1 - 0.15 - 0.175, 15);
  });

  it('updates in place: same storage, version bumped, no graph, leaves stay leaves; params without grad are skipped', () => {
    const w = param();
    const frozen = tensor([3], { requiresGrad: true });
    const storage = w.nd.data;
    const opt = new SGD([w, frozen], { lr: 1 });
    sum(mul(w, w)).backward();
    opt.step();
    expect(w.nd.data).toBe(storage);
    expect(w.version).toBe(1);
    expect(frozen.version).toBe(0);
    expect(w.isLeaf).toBe(true);
    expect(w.requiresGrad).toBe(true);
    expect(Array.from(w.data)).toEqual([1 - 2, -2 + 4]);
    opt.zeroGrad();
    expect(w.grad).toBeNull();
  });

  it('refuses bad hyper-parameters and parameters, naming the optimizer', () => {
    expect(() => new SGD([param()], { lr: -1 })).toThrow(ValueError);
    expect(() => new SGD([param()], { lr: -1 })).toThrow('SGD: lr must be a finite number >= 0, got -1');
    expect(() => new SGD([param()], { momentum: NaN })).toThrow(/^SGD: momentum/);
    expect(() => new SGD([param()], { weightDecay: -0.1 })).toThrow(/^SGD: weightDecay/);
    const w = param();
    expect(() => new SGD([mul(w, 2)])).toThrow(/SGD: parameter 0 of shape \[2\] is not a leaf/);
    expect(() => new SGD([])).toThrow('SGD: got an empty parameter list');
    expect(() => new SGD(null as never)).toThrow(ValueError);
    expect(() => new SGD([param()], 0.1 as never)).toThrow('SGD: options must be an object such as { lr: 0.1, momentum: 0.9 }, got 0.1');
    // A tensor listed twice is updated once.
    const opt = new SGD([w, w], { lr: 1 });
    expect(opt.params).toHaveLength(1);
  });
});

describe('Adam', () => {
  it('follows hand-computed updates (PyTorch arithmetic)', () => {
    const w = param();
    const opt = new Adam([w], { lr: 0.1 });
    // Step 1: m̂ = g, v̂ = g², so each weight moves by lr·g/(|g| + eps) ≈ lr·sign(g).
    setGrad(w, [0.5, -1]);
    opt.step();
    expect(w.data[0]).toBeCloseTo(0.9000000019999999, 15);
    expect(w.data[1]).toBeCloseTo(-1.900000001, 15);
    // Step 2 (values from the textbook formulas, m̂ = m/(1-β1²), v̂ = v/(1-β2²)).
    setGrad(w, [0.25, 2]);
    opt.step();
    expect(w.data[0]).toBeCloseTo(0.8067820404774622, 14);
    expect(w.data[1]).toBeCloseTo(-1.9366103534720749, 14);
    expect(w.version).toBe(2);
  });

  it('minimizes a quadratic', () => {
    const w = tensor([3, -4], { requiresGrad: true });
    const opt = new Adam([w], { lr: 0.1 });
    for (let i = 0; i < 500; i++) {
      opt.zeroGrad();
      sum(mul(w, w)).backward();
      opt.step();
    }
    expect(Math.abs(w.data[0]!)).toBeLessThan(1e-2);
    expect(Math.abs(w.data[1]!)).toBeLessThan(1e-2);
  });

  it('refuses bad hyper-parameters, naming the optimizer', () => {
    const layer = new Linear(2, 2, { seed: 1 });
    expect(() => new Adam(layer.parameters(), { lr: -0.001 })).toThrow('Adam: lr must be a finite number >= 0, got -0.001');
    expect(() => new Adam(layer.parameters(), { betas: [0.9, 1] })).toThrow('Adam: betas[1] must be a finite number in [0, 1), got 1');
    expect(() => new Adam(layer.parameters(), { betas: [0.9] as never })).toThrow(/Adam: betas must be a pair/);
    expect(() => new Adam(layer.parameters(), { eps: -1 })).toThrow(/^Adam: eps/);
  });
});

describe('frozen parameters (leaves that do not require grad)', () => {
  it.each([
    ['SGD', (ps: Tensor[]) => new SGD(ps, { lr: 0.5, momentum: 0.9, weightDecay: 0.1 })],
    ['Adam', (ps: Tensor[]) => new Adam(ps, { lr: 0.5, weightDecay: 0.1 })],
  ] as const)('%s accepts them, as PyTorch does, and never moves them', (_, make) => {
    const frozen = tensor([3, 4], { name: 'frozen' });
    const w = param();
    const opt = make([frozen, w]);
    expect(opt.params).toEqual([frozen, w]);
    sum(mul(mul(w, w), frozen)).backward();
    expect(frozen.grad).toBeNull();
    opt.step();
    expect(Array.from(frozen.data)).toEqual([3, 4]);
    expect(Array.from(w.data)).not.toEqual([1, -2]);
    // Frozen after a backward reached it: its stale gradient does not move it either.
    const v = param();
    const opt2 = make([v]);
    sum(mul(v, v)).backward();
    v.requiresGrad = false;
    opt2.step();
    expect(Array.from(v.data)).toEqual([1, -2]);
  });

  it('still refuses a non-leaf', () => {
    expect(() => new Adam([mul(param(), 2)])).toThrow(/^Adam: parameter 0 of shape \[2\] is not a leaf \(it was computed by an op\): an optimizer updates leaves only$/);
  });
});

describe('fine-tuning with a frozen layer', () => {
  it('trains only the unfrozen layer, by lr times the centered-difference gradient', () => {
    const model = new Sequential(new Linear(2, 3, { seed: 1 }), new Tanh(), new Linear(3, 1, { seed: 2 }));
    const x = randn([4, 2], { seed: 3 });
    const target = randn([4, 1], { seed: 4 });
    for (const p of (model.at(0) as Linear).parameters()) p.requiresGrad = false;
    const lossAt = (): number => noGrad(() => mse(model.forward(x), target).item());
    const head = (model.at(2) as Linear).weight;
    // Centered differences of the loss in each entry of the head's weight, before the step.
    const eps = 1e-6;
    const numeric = Array.from(head.data, (_, i) => {
      const at = (d: number): number => {
        noGrad(() => head.mutate((w) => { w[i]! += d; }));
        const l = lossAt();
        noGrad(() => head.mutate((w) => { w[i]! -= d; }));
        return l;
      };
      return (at(eps) - at(-eps)) / (2 * eps);
    });
    const frozenBefore = Array.from((model.at(0) as Linear).weight.data);
    const headBefore = Array.from(head.data);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    expect(opt.params).toEqual([head, (model.at(2) as Linear).bias]);
    mse(model.forward(x), target).backward();
    opt.step();
    expect(Array.from((model.at(0) as Linear).weight.data)).toEqual(frozenBefore);
    Array.from(head.data).forEach((w, i) => expect(w).toBeCloseTo(headBefore[i]! - 0.1 * numeric[i]!, 8));
  });
});

describe('SGD (momentum 0, no weight decay) on axpy: the same bits as the old loop', () => {
  const initialKernel = gemmKernel().name;
  afterEach(() => setGemmKernel(initialKernel));

  /** One SGD step on `p` with gradient `grad`, against the old loop on copies. */
  function checkStep(p: ReturnType<typeof randn>, grad: ReturnType<typeof randn>, lr: number, label: string): void {
    const w0 = Float64Array.from(p.data);
    const g0 = Float64Array.from(grad.data);
    p.grad = grad;
    new SGD([p], { lr }).step();
    oldSgd(w0, g0, lr);
    expect(bits(Float64Array.from(p.data)), label).toEqual(bits(w0));
  }

  it('w and g in or out of the kernel memory, specials included, on every kernel', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      for (const [wIn, gIn] of [[true, true], [true, false], [false, true], [false, false]]) {
        const w = specials(3072 * 2 + 3, 11);
        const g = specials(3072 * 2 + 3, 12);
        const p = fromData(wIn ? placed(w) : w, [3, 2049], { requiresGrad: true });
        const grad = fromData(gIn ? placed(g) : g, [3, 2049]);
        checkStep(p, grad, 0.013, `${kernel} w ${wIn} g ${gIn}`);
      }
    }
  });

  it('a Linear through forward, backward and several steps: weights equal the old loop on the same gradients', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const layer = new Linear(300, 40, { seed: 5 });
      const x = randn([16, 300], { seed: 7 });
      const opt = new SGD(layer.parameters(), { lr: 0.05 });
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad({ setToNone: step % 2 === 0 });
        sum(square(layer.forward(x))).backward();
        const before = layer.parameters().map((p) => [Float64Array.from(p.data), Float64Array.from(p.grad!.data)] as const);
        opt.step();
        layer.parameters().forEach((p, i) => {
          const [w, g] = before[i]!;
          oldSgd(w, g, 0.05);
          expect(bits(Float64Array.from(p.data)), `${kernel} step ${step} param ${i}`).toEqual(bits(w));
        });
      }
    }
  });

  it('w and g the same storage (p.grad = p.detach()): w - lr·w, as before', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const p = fromData(placed(specials(5000, 13)), [5000], { requiresGrad: true });
      const w0 = Float64Array.from(p.data);
      p.grad = p.detach();
      new SGD([p], { lr: 0.1 }).step();
      oldSgd(w0, w0, 0.1); // the old loop read g[i] after writing w[i]: the same array
      expect(bits(Float64Array.from(p.data))).toEqual(bits(w0));
    }
  });

  it('a strided (transposed) parameter and a strided gradient: row-major values both sides', () => {
    for (const kernel of kernels) {
      setGemmKernel(kernel);
      const base = fromData(placed(specials(70 * 80, 14)), [70, 80]);
      const p = transpose(base); // a view [80, 70], not row-major in its storage
      p.requiresGrad = true;
      expect(p.isContiguous).toBe(false);
      const gradBase = fromData(placed(specials(70 * 80, 15)), [70, 80]);
      const grad = transpose(gradBase);
      checkStep(p, grad, 0.2, `${kernel} strided`);
      // And the storage underneath holds the transposed update (scatterInto wrote it back).
      const w = noGrad(() => Float64Array.from(transpose(p).data));
      expect(bits(Float64Array.from(base.data))).toEqual(bits(w));
    }
  });

  it('TENSORGRAD_KERNEL=ts (or setGemmKernel("ts")): the ts kernel has no axpy, so SGD stays in JavaScript', () => {
    setGemmKernel('ts');
    expect(gemmKernel().axpy).toBeUndefined();
  });
});

// Higher-order gradients as a user meets them: backward and gradients with { createGraph: true }, grad of
// grad, hvp, hessian, jvp, and the worked checks of issue #16 (the lecture's ||Wx||², the 2-layer net's
// Hessian-vector product, a WGAN-style gradient penalty).
import { describe, expect, it } from 'vitest';
import { GraphError, HigherOrderError, Random, ValueError, fromData, gradients, record, tensor, type Tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { add, grad, hessian, hvp, jvp, l2, linear, matmul, mul, relu, sin, square, sum, tanh } from '@tensorgrad/ops';
import { Adam, Linear, ReLU, Sequential, Tanh, softmaxCrossEntropy, spiral } from '@tensorgrad/nn';

/** |a - b| <= tol · max(1, |b|), elementwise. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    expect(Math.abs(actual[i]! - expected[i]!), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol * scale);
  }
}

describe('backward and gradients with { createGraph: true }', () => {
  it('leaves a .grad in the graph whose own gradient is the second derivative', () => {
    // f = Σ x³: .grad = 3x², and d(Σ .grad)/dx = 6x.
    const x = tensor([1, -2, 0.5], { requiresGrad: true });
    sum(mul(mul(x, x), x)).backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.requiresGrad).toBe(true);
    expect(g.toArray()).toEqual([3, 12, 0.75]);
    const [h] = gradients(sum(g), [x]);
    expect(h!.toArray()).toEqual([6, -12, 3]);
  });

  it('without createGraph nothing changes: .grad is a plain tensor and the graph is released', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = sum(mul(x, x));
    y.backward();
    expect(x.grad!.requiresGrad).toBe(false);
    expect(x.grad!.toArray()).toEqual([2, 4]);
    expect(() => y.backward()).toThrow(GraphError);
  });

  it('retains the graph by default (PyTorch: retain_graph defaults to create_graph), and accumulates in the graph', () => {
    const x = tensor([3], { requiresGrad: true });
    const y = sum(square(x));
    y.backward(undefined, { createGraph: true });
    y.backward(undefined, { createGraph: true }); // the same graph again: .grad = .grad + 6, recorded
    expect(x.grad!.toArray()).toEqual([12]);
    expect(gradients(sum(x.grad!), [x])[0]!.toArray()).toEqual([4]);
    // Without createGraph, .grad = .grad + 6 out of place, no longer in the graph (PyTorch's AccumulateGrad
    // with grad mode off), and the graph is released.
    y.backward();
    expect(x.grad!.toArray()).toEqual([18]);
    expect(x.grad!.requiresGrad).toBe(false);
    expect(() => y.backward()).toThrow(GraphError);
  });

  it('gradients of gradients add at branches', () => {
    // f = Σ x²·sin x uses x three times: f' = 2x sin x + x² cos x, f'' = 2 sin x + 4x cos x - x² sin x.
    const values = [0.3, -1.1, 2];
    const x = tensor(values, { requiresGrad: true });
    const [g] = gradients(sum(mul(mul(x, x), sin(x))), [x], { createGraph: true });
    expectClose(g!.data, values.map((v) => 2 * v * Math.sin(v) + v * v * Math.cos(v)), 1e-14);
    const [h] = gradients(sum(g!), [x]);
    expectClose(h!.data, values.map((v) => 2 * Math.sin(v) + 4 * v * Math.cos(v) - v * v * Math.sin(v)), 1e-14);
  });

  it('a seed that requires grad is differentiated too: the VJP is linear in it', () => {
    // u ↦ Jᵀu for f(x) = x² at x = [1, 2]: d/du Σ (Jᵀu)·v = J v = 2x·v.
    const x = tensor([1, 2], { requiresGrad: true });
    const u = tensor([0, 0], { requiresGrad: true });
    const [g] = gradients(mul(x, x), [x], { seed: u, createGraph: true });
    const [jv] = gradients(sum(mul(g!, tensor([1, 3]))), [u]);
    expect(jv!.toArray()).toEqual([2, 12]);
  });

  it('runs a 50,000-op chain without recursion, twice (the second pass walks over 100,000 ops)', () => {
    // h = x·a·a·…·a (50,000 muls), f = Σ h²: f'' = 2·a^100000 along the diagonal.
    const a = tensor(1 + 1e-6);
    const x = tensor([1, -2], { requiresGrad: true });
    let h: Tensor = x;
    for (let i = 0; i < 50_000; i++) h = mul(h, a);
    const [g] = gradients(sum(square(h)), [x], { createGraph: true });
    const [second] = gradients(sum(g!), [x]);
    const expected = 2 * Math.pow(1 + 1e-6, 100_000);
    expectClose(second!.data, [expected, expected], 1e-9);
  });

  it('an op without a recorded rule refuses a second derivative with a HigherOrderError naming it, never a silent 0', () => {
    // A hand-made op with only a first-order rule (a fused loop): twice(x) = 2x.
    const twice = (x: Tensor): Tensor =>
      record('twiceFused', [x], fromData(x.data.map((v) => 2 * v), x.shape), (dy) => [fromData(dy.data.map((v) => 2 * v), dy.shape)], []);
    const x = tensor([1, 2], { requiresGrad: true });
    // First order, with or without createGraph, works.
    expect(gradients(sum(square(twice(x))), [x])[0]!.toArray()).toEqual([8, 16]);
    const [g] = gradients(sum(square(twice(x))), [x], { createGraph: true });
    expect(g!.toArray()).toEqual([8, 16]);
    // The second derivative would be 8; asking for it throws.
    expect(() => gradients(sum(g!), [x])).toThrow(HigherOrderError);
    expect(() => gradients(sum(g!), [x])).toThrow(/^twiceFused: no second-order rule/);
    expect(() => grad((t: Tensor) => sum(grad((s: Tensor) => sum(square(twice(s))))(t)))(tensor([1]))).toThrow(HigherOrderError);
  });

  it('refuses a non-boolean createGraph', () => {
    const x = tensor([1], { requiresGrad: true });
    expect(() => sum(x).backward(undefined, { createGraph: 'yes' as never })).toThrow(ValueError);
    expect(() => gradients(sum(x), [x], { createGraph: 1 as never })).toThrow(ValueError);
  });
});

describe('hvp, hessian, jvp', () => {
  it("the Hessian of ||Wx||² with respect to x is 2WᵀW (the lecture's W)", () => {
    const W = tensor([[0.1, 0.5], [-0.3, 0.8]]);
    const f = (x: Tensor): Tensor => l2(matmul(W, x));
    const H = hessian(f, tensor([0.2, 0.4]));
    // 2WᵀW = 2·[[0.1, -0.3], [0.5, 0.8]]·[[0.1, 0.5], [-0.3, 0.8]] = [[0.2, -0.38], [-0.38, 1.78]].
    expect(H.shape).toEqual([2, 2]);
    expectClose(H.data, [0.2, -0.38, -0.38, 1.78], 1e-15);
    // The gradient at the lecture's x is still 2Wᵀq = [-0.112, 0.636].
    expectClose(grad(f)(tensor([0.2, 0.4])).data, [-0.112, 0.636], 1e-15);
    expectClose(hvp(f, tensor([0.2, 0.4]), [1, 2]).data, [0.2 - 0.76, -0.38 + 3.56], 1e-15);
  });

  it('hessian keeps the input shape twice and is symmetric', () => {
    const f = (x: Tensor): Tensor => sum(mul(tanh(x), ops.reshape(ops.transpose(x), [3, 2])));
    const H = hessian(f, tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]));
    expect(H.shape).toEqual([3, 2, 3, 2]);
    const d = H.data;
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(d[i * 6 + j]).toBeCloseTo(d[j * 6 + i]!, 13);
  });

  it('jvp is J·v (forward mode by two reverse passes), with f(x)', () => {
    // f(x) = [x0·x1, sin x0]: J = [[x1, x0], [cos x0, 0]].
    const f = (x: Tensor): Tensor => ops.stack([mul(ops.slice(x, [0]), ops.slice(x, [1])), sin(ops.slice(x, [0]))]);
    const [y, jv] = jvp(f, tensor([0.5, 2]), [1, -1]);
    expectClose(y.data, [1, Math.sin(0.5)], 1e-15);
    expectClose(jv.data, [2 - 0.5, Math.cos(0.5)], 1e-15);
  });

  it('refuses a vector of the wrong shape and a non-scalar f, naming the op', () => {
    const f = (x: Tensor): Tensor => sum(square(x));
    expect(() => hvp(f, tensor([1, 2]), [1, 2, 3])).toThrow(/^hvp: a vector v of 3 values does not fit x of shape \[2\]/);
    expect(() => hvp(f, tensor([1, 2]), tensor([[1, 2]]))).toThrow(/^hvp: a vector v of shape \[1, 2\] does not match x of shape \[2\]/);
    expect(() => hessian((x) => square(x), tensor([1, 2]))).toThrow(/^hessian: f must return a scalar/);
    expect(() => jvp(f, tensor([1, 2]), 'a' as never)).toThrow(/^jvp: the tangent v must be a Tensor/);
  });
});

/**
 * A seeded [N, 2] batch of the spiral with its labels, without the spiral's first point of each class:
 * the origin, where a zero-initialised bias puts the pre-activation on relu's kink.
 */
function batch(n: number): { x: Tensor; y: Int32Array } {
  const data = spiral({ seed: 3 });
  const rows = Array.from({ length: n }, (_, i) => (i * 37 + 5) % data.x.shape[0]!);
  return { x: ops.take(data.x, rows), y: Int32Array.from(rows, (r) => data.y[r]!) };
}

describe("the 2-layer net's loss: Hessian-vector products against finite differences of its gradient", () => {
  const { x, y } = batch(12);
  const r = new Random(5);
  const param = (shape: number[]): Tensor => fromData(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.7 * r.normal()), shape);
  const [W1, b1, W2, b2] = [param([8, 2]), param([8]), param([3, 8]), param([3])];
  const loss = (w1: Tensor, c1: Tensor, w2: Tensor, c2: Tensor): Tensor => softmaxCrossEntropy(linear(relu(linear(x, w1, c1)), w2, c2), y);
  const v = [param([8, 2]), param([8]), param([3, 8]), param([3])];

  /** The gradients with respect to all four parameters at the given values. */
  const gradientAt = (ps: Tensor[]): Tensor[] => grad(loss, [0, 1, 2, 3])(ps[0]!, ps[1]!, ps[2]!, ps[3]!);

  it('hvp of the loss in W1 equals (∇L(W1 + εv) - ∇L(W1 - εv)) / 2ε to 1e-6', () => {
    const Hv = hvp((w: Tensor) => loss(w, b1, W2, b2), W1, v[0]!);
    const eps = 1e-5;
    const shifted = (s: number): Tensor => fromData(W1.data.map((w, i) => w + s * eps * v[0]!.data[i]!), W1.shape);
    const plus = gradientAt([shifted(1), b1, W2, b2])[0]!.data;
    const minus = gradientAt([shifted(-1), b1, W2, b2])[0]!.data;
    const numeric = plus.map((p, i) => (p - minus[i]!) / (2 * eps));
    expect(Hv.shape).toEqual([8, 2]);
    expectClose(Hv.data, numeric, 1e-6);
    expect(Math.max(...Hv.data.map(Math.abs))).toBeGreaterThan(1e-3); // not trivially zero
  });

  it('the same through nn modules, in all four parameters: backward({ createGraph }), then gradients of Σ g·v', () => {
    const model = new Sequential(new Linear(2, 8, { seed: 1 }), new ReLU(), new Linear(8, 3, { seed: 2 }));
    const params = model.parameters(); // W1, b1, W2, b2
    softmaxCrossEntropy(model.forward(x), y).backward(undefined, { createGraph: true });
    const gv = params.map((p, i) => sum(mul(p._peekGrad()!, v[i]!))).reduce((s, t) => add(s, t));
    const Hv = gradients(gv, params);
    const eps = 1e-5;
    const shifted = (s: number): Tensor[] => params.map((p, i) => fromData(p.data.map((w, k) => w + s * eps * v[i]!.data[k]!), p.shape));
    const plus = gradientAt(shifted(1));
    const minus = gradientAt(shifted(-1));
    params.forEach((p, i) => {
      expect(Hv[i]!.shape).toEqual(p.shape);
      expectClose(Hv[i]!.data, plus[i]!.data.map((q, k) => (q - minus[i]!.data[k]!) / (2 * eps)), 1e-6);
    });
  });
});

describe('a WGAN-style gradient penalty trains', () => {
  it('the critic separates real from fake while the norm of its input gradient is pulled to 1', () => {
    // Real points around (1, 1), fake ones around (-1, -1); critic D: 2 -> 16 -> 1 (tanh). Loss (WGAN-GP):
    // mean D(fake) - mean D(real) + λ·mean (||∇x D(x̂)|| - 1)² at random interpolates x̂.
    const r = new Random(11);
    const cloud = (n: number, centre: number): Tensor => fromData(Float64Array.from({ length: 2 * n }, () => centre + 0.3 * r.normal()), [n, 2]);
    const critic = new Sequential(new Linear(2, 16, { seed: 4 }), new Tanh(), new Linear(16, 1, { seed: 5 }));
    const optimizer = new Adam(critic.parameters(), { lr: 0.01 });
    const penaltyAt = (real: Tensor, fake: Tensor): { gap: Tensor; penalty: Tensor } => {
      const n = real.shape[0]!;
      const t = fromData(Float64Array.from({ length: n }, () => r.uniform()), [n, 1]);
      const xHat = add(mul(t, real), mul(ops.sub(1, t), fake)).detach();
      xHat.requiresGrad = true;
      // Each row's output depends on its own row only, so the gradient of the sum gives every row's ∇x D.
      const [g] = gradients(sum(critic.forward(xHat)), [xHat], { createGraph: true });
      const penalty = ops.mean(square(ops.sub(ops.norm(g!, 2, 1), 1)));
      const gap = ops.sub(ops.mean(critic.forward(fake)), ops.mean(critic.forward(real)));
      return { gap, penalty };
    };
    const history: { gap: number; penalty: number }[] = [];
    for (let step = 0; step < 150; step++) {
      const { gap, penalty } = penaltyAt(cloud(32, 1), cloud(32, -1));
      optimizer.zeroGrad();
      add(gap, mul(penalty, 10)).backward();
      // The penalty's gradient reached the first layer's weight through the second-order graph.
      if (step === 0) expect(Math.max(...(critic.parameters()[0]!.grad!.data as Float64Array).map(Math.abs))).toBeGreaterThan(0);
      optimizer.step();
      history.push({ gap: gap.item(), penalty: penalty.item() });
    }
    const first = history.slice(0, 10);
    const last = history.slice(-10);
    const average = (rows: typeof history, key: 'gap' | 'penalty'): number => rows.reduce((s, row) => s + row[key], 0) / rows.length;
    // The critic learns to score real above fake (gap = D(fake) - D(real) falls well below 0)...
    expect(average(last, 'gap')).toBeLessThan(average(first, 'gap') - 1);
    // ...while staying near 1-Lipschitz on the interpolates: the penalty ends small.
    expect(average(last, 'penalty')).toBeLessThan(0.05);
  });
});

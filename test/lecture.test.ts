// The lecture's four worked examples (../shared/LECTURE.md), reproduced to 1e-12, and its gate patterns.
// Expected values are the closed forms of the lecture's numbers; the lecture's rounded figures are checked
// too (to their 4 printed decimals).
import { describe, expect, it } from 'vitest';
import { tensor, type BackwardStep, type Tensor } from '@tensorgrad/core';
import { add, exp, l2, matmul, max, maximum, mul, reciprocal, sigmoid, sum } from '@tensorgrad/ops';

const TOL = 1e-12;

function close(actual: number, expected: number, tol = TOL): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
}

function closeArray(actual: Tensor, expected: number[][] | number[]): void {
  const flat = (expected as (number | number[])[]).flat() as number[];
  const data = actual.data;
  expect(data.length).toBe(flat.length);
  flat.forEach((e, i) => close(data[i]!, e));
}

describe('example 1: f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4', () => {
  it('forward q = 3, f = -12; backward df/dz = 3, df/dq = -4, df/dx = df/dy = -4 (add distributes)', () => {
    const x = tensor(-2, { requiresGrad: true });
    const y = tensor(5, { requiresGrad: true });
    const z = tensor(-4, { requiresGrad: true });
    const q = add(x, y).retainGrad();
    const f = mul(q, z);
    close(q.item(), 3);
    close(f.item(), -12);
    f.backward();
    close(z.grad!.item(), 3);
    close(q.grad!.item(), -4);
    close(x.grad!.item(), -4);
    close(y.grad!.item(), -4);
  });

  it('the same with chained methods', () => {
    const x = tensor(-2, { requiresGrad: true });
    const y = tensor(5, { requiresGrad: true });
    const z = tensor(-4, { requiresGrad: true });
    x.add(y).mul(z).backward();
    expect([x.grad!.item(), y.grad!.item(), z.grad!.item()]).toEqual([-4, -4, 3]);
  });
});

describe('example 2: the mul gate and the max gate', () => {
  it('f = x y at x = 4, y = -3: f = -12, df/dx = y = -3, df/dy = x = 4 (mul switches)', () => {
    const x = tensor(4, { requiresGrad: true });
    const y = tensor(-3, { requiresGrad: true });
    const f = mul(x, y);
    close(f.item(), -12);
    f.backward();
    close(x.grad!.item(), -3);
    close(y.grad!.item(), 4);
  });

  it('f = max(x, y): gradient 1 to the larger input, 0 to the smaller (max routes)', () => {
    for (const [a, b] of [[4, -3], [-3, 4], [2.5, 2.25]] as const) {
      const x = tensor(a, { requiresGrad: true });
      const y = tensor(b, { requiresGrad: true });
      const f = maximum(x, y);
      close(f.item(), Math.max(a, b));
      f.backward();
      expect([x.grad!.item(), y.grad!.item()]).toEqual(a > b ? [1, 0] : [0, 1]);
    }
  });
});

describe('example 3: the sigmoid neuron f = 1 / (1 + e^-(w0 x0 + w1 x1 + w2))', () => {
  const values = { w0: 2, x0: -1, w1: -3, x1: -2, w2: -3 };
  // Closed forms: the neuron's pre-activation is 1, so s = sigmoid(1) and ds = s (1 - s).
  const s = 1 / (1 + Math.exp(-1));
  const ds = s * (1 - s);

  function leaves() {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, tensor(v, { requiresGrad: true, name: k })])) as Record<keyof typeof values, Tensor>;
  }

  it('built from single gates: every forward value and every intermediate gate gradient', () => {
    const { w0, x0, w1, x1, w2 } = leaves();
    const w0x0 = mul(w0, x0).retainGrad();
    const w1x1 = mul(w1, x1).retainGrad();
    const dot = add(w0x0, w1x1).retainGrad();
    const z = add(dot, w2).retainGrad();
    const negZ = mul(z, -1).retainGrad();
    const e = exp(negZ).retainGrad();
    const denom = add(e, 1).retainGrad();
    const f = reciprocal(denom);

    // Forward, as in the lecture: -2, 6, 4, 1, -1, 0.3679, 1.3679, 0.7311.
    close(w0x0.item(), -2);
    close(w1x1.item(), 6);
    close(dot.item(), 4);
    close(z.item(), 1);
    close(negZ.item(), -1);
    close(e.item(), Math.exp(-1));
    close(denom.item(), 1 + Math.exp(-1));
    close(f.item(), s);
    expect(e.item()).toBeCloseTo(0.3679, 4);
    expect(denom.item()).toBeCloseTo(1.3679, 4);
    expect(f.item()).toBeCloseTo(0.7311, 4);

    const steps: BackwardStep[] = [];
    f.backward(undefined, { onStep: (step) => steps.push(step) });
    expect(steps.map((step) => step.op)).toEqual(['reciprocal', 'add', 'exp', 'mul', 'add', 'add', 'mul', 'mul']);

    // Backward through the gates: 1/x gives -1/x² = -0.5344; +1 passes it on; exp multiplies by e^-1
    // (-0.1966); *-1 flips the sign (0.1966), which then flows unchanged through both adds.
    const atDenom = -1 / (1 + Math.exp(-1)) ** 2;
    close(steps[0]!.downstream[0]!.item(), atDenom);
    close(denom.grad!.item(), atDenom);
    close(e.grad!.item(), atDenom);
    close(negZ.grad!.item(), atDenom * Math.exp(-1));
    close(z.grad!.item(), -atDenom * Math.exp(-1));
    close(dot.grad!.item(), ds);
    close(w0x0.grad!.item(), ds);
    close(w1x1.grad!.item(), ds);
    expect(denom.grad!.item()).toBeCloseTo(-0.5344, 4);
    expect(e.grad!.item()).toBeCloseTo(-0.5344, 4);
    expect(negZ.grad!.item()).toBeCloseTo(-0.1966, 4);
    expect(z.grad!.item()).toBeCloseTo(0.1966, 4);
    // -1/x² · e^-1 · -1 is exactly (1 - s) s.
    close(-atDenom * Math.exp(-1), ds);

    // Final: dw0 = -0.1966, dx0 = 0.3932, dw1 = -0.3932, dx1 = -0.5898, dw2 = 0.1966.
    close(w0.grad!.item(), -1 * ds);
    close(x0.grad!.item(), 2 * ds);
    close(w1.grad!.item(), -2 * ds);
    close(x1.grad!.item(), -3 * ds);
    close(w2.grad!.item(), ds);
    expect([w0, x0, w1, x1, w2].map((t) => Number(t.grad!.item().toFixed(4)))).toEqual([-0.1966, 0.3932, -0.3932, -0.5898, 0.1966]);
  });

  it('the sigmoid gate gives the same in one step: (1 - 0.7311) x 0.7311 = 0.1966', () => {
    const { w0, x0, w1, x1, w2 } = leaves();
    const z = add(add(mul(w0, x0), mul(w1, x1)), w2).retainGrad();
    const f = sigmoid(z);
    close(f.item(), s);
    f.backward();
    close(z.grad!.item(), ds);
    expect(z.grad!.item()).toBeCloseTo(0.1966, 4);
    close(w0.grad!.item(), -1 * ds);
    close(x0.grad!.item(), 2 * ds);
    close(w1.grad!.item(), -2 * ds);
    close(x1.grad!.item(), -3 * ds);
    close(w2.grad!.item(), ds);
  });

  it('gates and the sigmoid op agree with vectors w = [w0, w1, w2], x = [x0, x1, 1]', () => {
    const w = tensor([2, -3, -3], { requiresGrad: true });
    const x = tensor([-1, -2, 1], { requiresGrad: true });
    const f = sigmoid(sum(mul(w, x)));
    f.backward();
    closeArray(w.grad!, [-1 * ds, -2 * ds, ds]);
    closeArray(x.grad!, [2 * ds, -3 * ds, -3 * ds]);
  });
});

describe('example 4: f(x, W) = ||W x||² with W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]', () => {
  it('q = [0.22, 0.26], f = 0.116, df/dq = 2q, df/dW = 2 q xᵀ, df/dx = 2 Wᵀ q (shapes of W and x)', () => {
    const W = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
    const x = tensor([0.2, 0.4], { requiresGrad: true });
    const q = matmul(W, x).retainGrad();
    const f = l2(q);
    closeArray(q, [0.22, 0.26]);
    close(f.item(), 0.116);
    f.backward();
    closeArray(q.grad!, [0.44, 0.52]);
    expect(W.grad!.shape).toEqual([2, 2]);
    expect(x.grad!.shape).toEqual([2]);
    closeArray(W.grad!, [[0.088, 0.176], [0.104, 0.208]]);
    closeArray(x.grad!, [-0.112, 0.636]);
  });

  it('the same with chained methods: W.matmul(x).l2()', () => {
    const W = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
    const x = tensor([0.2, 0.4], { requiresGrad: true });
    W.matmul(x).l2().backward();
    closeArray(W.grad!, [[0.088, 0.176], [0.104, 0.208]]);
    closeArray(x.grad!, [-0.112, 0.636]);
  });

  it('and as q·q summed (the mul gate with both inputs the same tensor: gradients add at branches)', () => {
    const W = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
    const x = tensor([0.2, 0.4], { requiresGrad: true });
    const q = matmul(W, x);
    sum(mul(q, q)).backward();
    closeArray(W.grad!, [[0.088, 0.176], [0.104, 0.208]]);
    closeArray(x.grad!, [-0.112, 0.636]);
  });
});

describe('gate patterns', () => {
  it('add distributes: every input receives the upstream gradient unchanged', () => {
    const a = tensor([1, -2, 3], { requiresGrad: true });
    const b = tensor([4, 5, -6], { requiresGrad: true });
    add(a, b).backward(tensor([0.5, -7, 2]));
    expect(a.grad!.toArray()).toEqual([0.5, -7, 2]);
    expect(b.grad!.toArray()).toEqual([0.5, -7, 2]);
  });

  it('max routes: elementwise maximum sends each entry to the larger input', () => {
    const a = tensor([1, 5, -3], { requiresGrad: true });
    const b = tensor([2, 4, -4], { requiresGrad: true });
    maximum(a, b).backward(tensor([10, 20, 30]));
    expect(a.grad!.toArray()).toEqual([0, 20, 30]);
    expect(b.grad!.toArray()).toEqual([10, 0, 0]);
  });

  it('max routes: the max reduction sends the gradient to the arg-max of each row', () => {
    const x = tensor([[1, 7, 3], [9, -1, 2]], { requiresGrad: true });
    max(x, 1).backward(tensor([2, 3]));
    expect(x.grad!.toArray()).toEqual([[0, 2, 0], [3, 0, 0]]);
  });

  it('mul switches: each input receives upstream x the other input', () => {
    const a = tensor([2, -3], { requiresGrad: true });
    const b = tensor([5, 7], { requiresGrad: true });
    mul(a, b).backward(tensor([1, 10]));
    expect(a.grad!.toArray()).toEqual([5, 70]);
    expect(b.grad!.toArray()).toEqual([2, -30]);
  });

  it('a zero-times-zero mul gives zero gradients to both inputs', () => {
    const a = tensor(0, { requiresGrad: true });
    const b = tensor(0, { requiresGrad: true });
    const f = mul(a, b);
    f.backward();
    expect(f.item()).toBe(0);
    expect(a.grad!.item()).toBe(0);
    expect(b.grad!.item()).toBe(0);
  });

  it('gradients add at branches: f = x·x + x gives df/dx = 2x + 1', () => {
    const x = tensor(3, { requiresGrad: true });
    add(mul(x, x), x).backward();
    expect(x.grad!.item()).toBe(7);
  });
});

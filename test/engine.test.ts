// The reverse-mode engine as a user meets it: packages imported by name, graphs built from real ops.
import { describe, expect, it } from 'vitest';
import {
  GraphError,
  ShapeError,
  ValueError,
  ones,
  tensor,
  type Tensor,
} from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { add, exp, mul, sum } from '@tensorgrad/ops';
import { expectUnchanged, refuses, snapshot, withGrad } from './refusals.js';

/** |a - b| <= tol * max(1, |b|), elementwise. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    expect(Math.abs(actual[i]! - expected[i]!), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol * scale);
  }
}

describe('depth: a 100,000-op chain', () => {
  it('runs backward without recursion and gets the exact chain-rule product', () => {
    // h <- (h * a) + b, 50,000 times: 100,000 recorded ops. dh_final/dx = a^50000, db = Σ_k a^k.
    const a = tensor(1 + 1e-5);
    const x = tensor([1, -2], { requiresGrad: true });
    const b = tensor(0.5, { requiresGrad: true });
    let h: Tensor = x;
    for (let i = 0; i < 50_000; i++) h = add(mul(h, a), b);
    const f = sum(h);
    f.backward();
    const ratio = a.item();
    let power = 1;
    let series = 0;
    for (let k = 0; k < 50_000; k++) {
      series += power;
      power *= ratio;
    }
    expectClose(x.grad!.data, [power, power], 1e-12);
    // b is broadcast into both elements at every step: its gradient is 2 Σ_k a^k.
    expectClose(b.grad!.data, [2 * series], 1e-10);
    expect(b.grad!.shape).toEqual([]);
    expect(Math.abs(power - Math.exp(50_000 * Math.log1p(1e-5)))).toBeLessThan(1e-9);
  });

  it('walks a 100,000-op chain without recursion', () => {
    const x = tensor([1, -1], { requiresGrad: true });
    let h = x;
    for (let i = 0; i < 100_000; i++) h = mul(h, i % 2 === 0 ? 2 : 0.5);
    sum(h).backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });
});

describe('width: a 10,000-way fan-out', () => {
  it('sums the gradients of every consumer into the shared input', () => {
    // f = Σ_i sum(x * i): x feeds 10,000 mul ops, so df/dx = Σ_i i = 49,995,000 in each element.
    const x = tensor([1, 2, 3], { requiresGrad: true });
    let total: Tensor = tensor(0);
    for (let i = 0; i < 10_000; i++) total = add(total, sum(mul(x, i)));
    total.backward();
    expect(x.grad!.toArray()).toEqual([49_995_000, 49_995_000, 49_995_000]);
    expect(total.item()).toBe(6 * 49_995_000);
  });
});

describe('gradients add at branches', () => {
  it("reproduces the lecture's f = (x + y) z: df/dx = df/dy = -4, df/dz = 3", () => {
    const x = tensor(-2, { requiresGrad: true });
    const y = tensor(5, { requiresGrad: true });
    const z = tensor(-4, { requiresGrad: true });
    const f = mul(add(x, y), z);
    expect(f.item()).toBe(-12);
    f.backward();
    expect([x.grad!.item(), y.grad!.item(), z.grad!.item()]).toEqual([-4, -4, 3]);
  });

  it('a diamond: y = exp(x) used twice, f = sum(y * y + y)', () => {
    const x = tensor([0, 1, -1], { requiresGrad: true });
    const y = exp(x);
    sum(add(mul(y, y), y)).backward();
    // df/dx = (2y + 1) e^x
    const expected = [0, 1, -1].map((v) => (2 * Math.exp(v) + 1) * Math.exp(v));
    expectClose(x.grad!.data, expected);
  });

  it('a tensor used as both operands of one op gets both gradients', () => {
    const x = tensor([3], { requiresGrad: true });
    sum(mul(x, x)).backward();
    expect(x.grad!.toArray()).toEqual([6]);
  });

  it('leaves accumulate across backward calls until zeroGrad()', () => {
    const w = tensor([[1, 2]], { requiresGrad: true });
    for (let step = 0; step < 3; step++) sum(mul(w, 2)).backward();
    expect(w.grad!.toArray()).toEqual([[6, 6]]);
    w.zeroGrad();
    sum(w).backward();
    expect(w.grad!.toArray()).toEqual([[1, 1]]);
  });

  it('every gradient has its variable\'s shape, also across broadcasting', () => {
    const W = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const bias = tensor([10, 20, 30], { requiresGrad: true });
    const s = tensor(2, { requiresGrad: true });
    sum(mul(add(W, bias), s)).backward();
    expect(W.grad!.shape).toEqual([2, 3]);
    expect(bias.grad!.toArray()).toEqual([4, 4, 4]);
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(21 + 120);
  });
});

describe('retainGraph and release', () => {
  it('a second backward works with it and accumulates; without it the second one throws', () => {
    const x = tensor([0.5, -1], { requiresGrad: true });
    const f = sum(mul(exp(x), x));
    f.backward(undefined, { retainGraph: true });
    const once = Array.from(x.grad!.data);
    f.backward();
    // d(x e^x) = (1 + x) e^x
    expectClose(once, [1.5 * Math.exp(0.5), 0]);
    expectClose(x.grad!.data, [3 * Math.exp(0.5), 0]);
    expect(() => f.backward()).toThrow(GraphError);
    expect(() => f.backward()).toThrow("backward: the graph behind 'sum' was already released by a backward pass; pass { retainGraph: true } to the first backward to run it twice");
  });

  it('without retainGraph a second backward throws a clear GraphError', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = sum(exp(x));
    y.backward();
    expect(() => y.backward()).toThrow(GraphError);
    expect(() => y.backward()).toThrow(/backward: the graph behind 'sum' was already released.*retainGraph: true/);
  });

  it('releasing reaches shared intermediates: a new output over a released part also throws', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = exp(x);
    sum(h).backward();
    expect(() => sum(mul(h, 2)).backward()).toThrow(/the graph behind 'exp' was already released/);
  });

  it('with retainGraph the second backward works and accumulates', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    const y = sum(exp(x));
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.data[0]).toBe(2);
    expect(x.grad!.data[1]).toBeCloseTo(2 * Math.E, 14);
    expect(() => y.backward()).toThrow(GraphError);
  });

  it('twice through a released graph: a GraphError naming the op, with .grad as after the first pass', () => {
    const x = tensor([0.5, 2], { requiresGrad: true, name: 'x' });
    const h = ops.log(x);
    const f = ops.sum(ops.mul(h, h));
    f.backward();
    const before = snapshot(x);
    refuses(() => f.backward(), GraphError, 'backward', "the graph behind 'sum' was already released", 'retainGraph: true');
    // A new output built on the released part is refused too (the walk reaches the released 'log').
    refuses(() => ops.sum(h).backward(), GraphError, 'backward', "the graph behind 'log' was already released");
    expectUnchanged(before);
  });
});

describe('backward misuse', () => {
  it('backward from a non-scalar without a seed suggests sum()', () => {
    const y = mul(tensor([1, 2], { requiresGrad: true }), 3);
    expect(() => y.backward()).toThrow(GraphError);
    expect(() => y.backward()).toThrow(/not a scalar: pass a seed gradient of that shape, or reduce it first \(e\.g\. y\.sum\(\)\.backward\(\)\)/);
  });

  it('from a non-scalar without a seed: a GraphError suggesting a seed or sum(), nothing accumulated', () => {
    const x = withGrad([1, 2], 'x');
    const y = ops.mul(x, 3);
    const before = snapshot(x, y);
    refuses(() => y.backward(), GraphError, 'backward', 'the output has shape [2], not a scalar', 'y.sum().backward()');
    refuses(() => y.backward([1, 2, 3]), ShapeError, 'backward', 'a seed gradient of 3 values does not fit the output\'s shape [2]');
    refuses(() => y.backward(ones([2, 1])), ShapeError, 'backward', 'seed gradient of shape [2, 1] does not match the output\'s shape [2]');
    expectUnchanged(before);
    y.backward([1, 1]);
    expect(Array.from(x.grad!.data)).toEqual([6, 6]);
  });

  it('from a tensor that needs no grad', () => {
    refuses(() => ops.sum(tensor([1, 2])).backward(), GraphError, 'backward', 'does not require grad');
  });
});

describe('assigning .grad', () => {
  it('takes a tensor of the same shape, or null', () => {
    const w = tensor([[1, 2, 3]], { requiresGrad: true });
    w.grad = tensor([[4, 5, 6]]);
    expect(Array.from(w.grad!.data)).toEqual([4, 5, 6]);
    w.grad = null;
    expect(w.grad).toBeNull();
  });

  it('refuses another shape (ShapeError naming both) or a non-tensor (ValueError), and keeps the old one', () => {
    const w = tensor([[1, 2, 3]], { requiresGrad: true, name: 'w' });
    const kept = tensor([[7, 8, 9]]);
    w.grad = kept;
    expect(() => {
      w.grad = tensor([1, 2, 3]);
    }).toThrow(ShapeError);
    expect(() => {
      w.grad = tensor([1, 2, 3]);
    }).toThrow(/\[3\].*'w'.*\[1, 3\]/);
    expect(() => {
      w.grad = [7, 8, 9] as unknown as Tensor;
    }).toThrow(ValueError);
    expect(w.grad).toBe(kept);
  });
});

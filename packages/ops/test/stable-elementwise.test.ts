// log1p, expm1, softplus, logSigmoid, leakyRelu and gelu where the textbook formula breaks: tiny x, huge x,
// ±Infinity; their argument checks. (Values against PyTorch: torch-ops.test.ts; gradients: the op table.)
import { describe, expect, it } from 'vitest';
import { ValueError, fromData, tensor, type Tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';

function valueAndGrad(f: (x: Tensor) => Tensor, xs: number[]): { y: number[]; dx: number[] } {
  const x = fromData(Float64Array.from(xs), [xs.length], { requiresGrad: true });
  const y = f(x);
  y.sum().backward();
  return { y: [...y.data], dx: [...x.grad!.data] };
}

describe('log1p and expm1 keep the digits of small x', () => {
  it('log1p(1e-10) is 1e-10 - 5e-21, where log(1 + 1e-10) keeps 7 digits', () => {
    const { y, dx } = valueAndGrad(ops.log1p, [1e-10, -1e-10, 1e-300]);
    // log(1 + x) = x - x²/2 + x³/3: 1e-10 - 5e-21 and -1e-10 - 5e-21 to the last bit.
    expect(Math.abs(y[0]! - (1e-10 - 5e-21)) / 1e-10).toBeLessThan(2.3e-16);
    expect(Math.abs(y[1]! - (-1e-10 - 5e-21)) / 1e-10).toBeLessThan(2.3e-16);
    expect(y[2]).toBe(1e-300);
    expect(Math.abs(ops.log(ops.add(1, 1e-10)).item() - 1e-10) / 1e-10).toBeGreaterThan(1e-8);
    expect(dx[0]).toBe(1 / (1 + 1e-10));
  });

  it('log1p(-1) is -Infinity with an infinite gradient; below -1 NaN (outside the domain), as PyTorch', () => {
    const { y, dx } = valueAndGrad(ops.log1p, [-1, -2]);
    expect(y[0]).toBe(-Infinity);
    expect(dx[0]).toBe(Infinity);
    expect(y[1]).toBeNaN();
  });

  it('expm1(1e-10) is 1e-10 + 5e-21; its gradient e^x reuses the output', () => {
    const { y, dx } = valueAndGrad(ops.expm1, [1e-10, -1000, 1000]);
    expect(y[0]).toBe(1.00000000005e-10);
    expect(y[1]).toBe(-1);
    expect(dx[1]).toBe(0);
    expect(y[2]).toBe(Infinity);
  });
});

describe('softplus', () => {
  it('is x above the threshold and log1p(e^x) below it, finite at ±1000', () => {
    const { y, dx } = valueAndGrad((x) => ops.softplus(x), [-1000, -30, 0, 20, 20.5, 1000]);
    expect(y).toEqual([0, Math.log1p(Math.exp(-30)), Math.LN2, 20 + Math.log1p(Math.exp(-20)), 20.5, 1000]);
    expect(dx[0]).toBe(0);
    expect(dx[2]).toBe(0.5);
    expect(dx.slice(4)).toEqual([1, 1]);
  });

  it('beta scales the input and divides the output; a threshold of Infinity still never overflows', () => {
    expect(ops.softplus(tensor([1]), 2).item()).toBeCloseTo(Math.log1p(Math.exp(2)) / 2, 15);
    const { y, dx } = valueAndGrad((x) => ops.softplus(x, 1, Infinity), [800, -800]);
    expect(y).toEqual([800, 0]);
    expect(dx).toEqual([1, 0]);
  });

  it('refuses a zero, NaN or non-number beta and a NaN threshold', () => {
    expect(() => ops.softplus(tensor([1]), 0)).toThrow(ValueError);
    expect(() => ops.softplus(tensor([1]), 0)).toThrow(/^softplus: beta must be a finite non-zero number, got 0$/);
    expect(() => ops.softplus(tensor([1]), NaN)).toThrow(/^softplus: beta/);
    expect(() => ops.softplus(tensor([1]), '2' as unknown as number)).toThrow(/^softplus: beta/);
    expect(() => ops.softplus(tensor([1]), 1, NaN)).toThrow(/^softplus: threshold must be a number, got NaN$/);
  });
});

describe('logSigmoid', () => {
  it('is finite at ±1000 with finite gradients (log(sigmoid(-1000)) is -Infinity)', () => {
    const { y, dx } = valueAndGrad(ops.logSigmoid, [-1000, 1000, 0, -40]);
    expect(y[0]).toBe(-1000);
    expect(y[1]).toBe(0);
    expect(y[2]).toBe(-Math.LN2);
    expect(y[3]).toBe(-40 - Math.log1p(Math.exp(-40)));
    expect(dx).toEqual([1, 0, 0.5, 1 / (1 + Math.exp(-40))]);
    expect(ops.log(ops.sigmoid(tensor([-1000]))).item()).toBe(-Infinity);
  });

  it('is -softplus(-x)', () => {
    const x = tensor([-3, -0.5, 0.25, 2, 7]);
    const a = ops.logSigmoid(x).data;
    const b = ops.neg(ops.softplus(ops.neg(x))).data;
    for (let i = 0; i < 5; i++) expect(a[i]).toBeCloseTo(b[i]!, 15);
  });
});

describe('leakyRelu', () => {
  it('scales negatives by the slope (0.01 by default); the kink at 0 gets the slope, as PyTorch', () => {
    const { y, dx } = valueAndGrad((x) => ops.leakyRelu(x), [-2, 0, 3, -Infinity]);
    expect(y).toEqual([-0.02, 0, 3, -Infinity]);
    expect(dx).toEqual([0.01, 0.01, 1, 0.01]);
    expect(ops.leakyRelu(tensor([-2, 5]), 0.2).toArray()).toEqual([-0.4, 5]);
    expect(ops.leakyRelu(tensor([NaN])).item()).toBeNaN();
  });

  it('refuses a non-finite slope', () => {
    expect(() => ops.leakyRelu(tensor([1]), Infinity)).toThrow(/^leakyRelu: negativeSlope must be a finite number, got Infinity$/);
    expect(() => ops.leakyRelu(tensor([1]), null as unknown as number)).toThrow(ValueError);
  });
});

describe('gelu', () => {
  it('exact: x·Φ(x), Φ(1) = 0.8413447460685429; limits at ±Infinity rather than NaN', () => {
    const { y, dx } = valueAndGrad((x) => ops.gelu(x), [1, 0, -Infinity, Infinity, -1000, 1000]);
    expect(y[0]).toBeCloseTo(0.8413447460685429, 15);
    expect(y[1]).toBe(0);
    expect(y.slice(2)).toEqual([-0, Infinity, -0, 1000]);
    expect(dx[0]).toBeCloseTo(0.8413447460685429 + Math.exp(-0.5) / Math.sqrt(2 * Math.PI), 15);
    expect(dx[1]).toBe(0.5);
    expect(dx.slice(2)).toEqual([0, 1, 0, 1]);
  });

  it("the left tail keeps its digits: gelu(-10) = -7.62e-23 (PyTorch's formula gives -0)", () => {
    expect(ops.gelu(tensor([-10])).item()).toBeCloseTo(-7.619853024160526e-23, 36);
    expect(ops.gelu(tensor([-10]), 'tanh').item()).toBeLessThan(0);
  });

  it("'tanh' is 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), finite at ±Infinity", () => {
    const x = 0.7;
    const want = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expect(ops.gelu(tensor([x]), 'tanh').item()).toBeCloseTo(want, 15);
    const { y, dx } = valueAndGrad((t) => ops.gelu(t, 'tanh'), [-Infinity, Infinity, -1e200]);
    expect(y).toEqual([-0, Infinity, -0]);
    expect(dx).toEqual([0, 1, 0]);
  });

  it("refuses an approximate other than 'none' or 'tanh'", () => {
    expect(() => ops.gelu(tensor([1]), 'erf' as 'none')).toThrow(/^gelu: approximate must be 'none' or 'tanh', got "erf"$/);
  });
});

describe('the methods', () => {
  it('x.log1p(), x.softplus(2), x.gelu("tanh") forward to the ops', () => {
    const x = tensor([0.5, -1.5]);
    expect(x.log1p().toArray()).toEqual(ops.log1p(x).toArray());
    expect(x.expm1().toArray()).toEqual(ops.expm1(x).toArray());
    expect(x.softplus(2, 1).toArray()).toEqual(ops.softplus(x, 2, 1).toArray());
    expect(x.logSigmoid().toArray()).toEqual(ops.logSigmoid(x).toArray());
    expect(x.leakyRelu(0.3).toArray()).toEqual([0.5, -1.5 * 0.3]);
    expect(x.gelu('tanh').toArray()).toEqual(ops.gelu(x, 'tanh').toArray());
  });
});

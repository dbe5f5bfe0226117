// Unary elementwise ops: kinks (relu, abs, pow at 0), the sigmoid tails, domains, clamp, sin and cos.
import { describe, expect, it } from 'vitest';
import { ValueError, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { abs, log, pow, relu, sigmoid, sqrt, tanh } from '@tensorgrad/ops';
import { leaf } from './leaf.js';

describe('ties and kinks (documented choices)', () => {
  it('relu and abs give gradient 0 at the kink x = 0', () => {
    const x = leaf([-1, 0, 2]);
    relu(x).backward(tensor([1, 1, 1]));
    expect(x.grad!.toArray().map((v: number) => v + 0)).toEqual([0, 0, 1]);
    const y = leaf([-1, 0, 2]);
    abs(y).backward(tensor([1, 1, 1]));
    expect(y.grad!.toArray().map((v: number) => v + 0)).toEqual([-1, 0, 1]);
  });

  it('relu forward: x where x > 0, +0 elsewhere (also for -0 and -Infinity), NaN stays NaN', () => {
    const big = Number.MAX_VALUE;
    const out = relu(tensor([-3, -0, 0, 2.5, -Infinity, Infinity, NaN, big, -big, 5e-324, -5e-324])).toArray() as number[];
    const expected = [0, 0, 0, 2.5, 0, Infinity, NaN, big, 0, 5e-324, 0];
    expect(out).toEqual(expected);
    // +0, not -0, wherever the input is not positive (toEqual treats 0 and -0 alike).
    for (const i of [0, 1, 2, 4, 8, 10]) expect(Object.is(out[i], 0)).toBe(true);
    // Random signs (the branch-free loop) agree with Math.max element by element.
    const r = ops.sub(ops.mul(tensor(Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1)), 2), 0.5);
    const want = (r.toArray() as number[]).map((v) => Math.max(v, 0) + 0);
    expect(relu(r).toArray()).toEqual(want);
  });

  it('relu backward: a masked entry passes nothing, even an infinite or NaN upstream gradient (PyTorch)', () => {
    const x = leaf([-1, 0, 2, 3, -4]);
    relu(x).backward(tensor([Infinity, NaN, Infinity, NaN, -Infinity]));
    expect(x.grad!.toArray().map((v: number) => v + 0)).toEqual([0, 0, Infinity, NaN, 0]);
  });

  it('pow with p = 0 has gradient 0 even at x = 0', () => {
    const x = leaf([0, 2]);
    pow(x, 0).backward(tensor([1, 1]));
    expect(x.grad!.toArray()).toEqual([0, 0]);
  });
});

describe('numerical stability', () => {
  it('sigmoid is exact at both tails (no overflow of e^-x)', () => {
    const s = sigmoid(tensor([-1000, -40, 0, 40, 1000]));
    expect(s.data[0]).toBe(0);
    expect(s.data[1]).toBeCloseTo(Math.exp(-40), 30);
    expect(s.data[2]).toBe(0.5);
    expect(s.data[4]).toBe(1);
    expect(tanh(tensor([1000])).item()).toBe(1);
  });
});

describe('binary ops and numbers', () => {
  it('sqrt, log outside their domain follow Math (NaN), not throw', () => {
    expect(sqrt(tensor([-1])).item()).toBeNaN();
    expect(log(tensor([0])).item()).toBe(-Infinity);
  });
});

describe('the NumPy/PyTorch extras', () => {
  it('clamp: bounds either side, gradient passes on [min, max] boundaries included, 0 where clipped', () => {
    const x = leaf([-2, -1, 0, 1, 2]);
    const y = ops.clamp(x, -1, 1);
    expect(y.toArray()).toEqual([-1, -1, 0, 1, 1]);
    y.backward(tensor([1, 1, 1, 1, 1]));
    expect(x.grad!.toArray()).toEqual([0, 1, 1, 1, 0]);
    expect(tensor([-3, 3]).clamp(0).toArray()).toEqual([0, 3]);
    expect(tensor([-3, 3]).clamp(null, 0).toArray()).toEqual([-3, 0]);
    expect(ops.clamp(tensor([-3, 0, 3]), 2, 1).toArray()).toEqual([1, 1, 1]); // min > max: all max, as NumPy/PyTorch
    expect(() => ops.clamp(tensor([1]), NaN)).toThrow(/^clamp: min must be a number, null or undefined \(no bound\), got NaN$/);
    expect(() => ops.clamp(tensor([1]), 0, '1' as never)).toThrow(ValueError);
  });

  it('sin and cos, with their derivatives', () => {
    const x = leaf([0, Math.PI / 2]);
    expect(ops.sin(x).toArray()).toEqual([0, 1]);
    ops.sin(x).sum().backward();
    expect(x.grad!.data[0]).toBe(1);
    expect(x.grad!.data[1]).toBeCloseTo(0, 15);
    const y = leaf([0, Math.PI / 2]);
    y.cos().sum().backward();
    expect(y.grad!.data[0]).toBe(-0);
    expect(y.grad!.data[1]).toBe(-1);
  });
});

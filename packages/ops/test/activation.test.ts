// softmax and logSoftmax: stable for huge logits, equal to the naive formulas and to their composites.
import { describe, expect, it } from 'vitest';
import { Tensor, noGrad, randn, tensor } from '@tensorgrad/core';
import { div, exp, log, logSoftmax, max, softmax, sub, sum, vjp } from '@tensorgrad/ops';
import { leaf } from './leaf.js';

describe('numerical stability', () => {
  it('logSoftmax stays finite and exact for huge logits (max subtraction)', () => {
    const y = logSoftmax(tensor([[1000, 1000], [1e300, 0], [-1000, -1001]]));
    const v = y.toArray() as number[][];
    expect(v[0]![0]).toBeCloseTo(-Math.LN2, 14);
    expect(v[1]).toEqual([0, -1e300]);
    expect(v[2]![0]).toBeCloseTo(-Math.log1p(Math.exp(-1)), 14);
    const x = leaf([1000, 1000, 999]);
    logSoftmax(x).backward(tensor([1, 0, 0]));
    expect(x.grad!.data.every(Number.isFinite)).toBe(true);
  });

  it('softmax of huge logits sums to 1 and is finite', () => {
    const p = softmax(tensor([[1e308, 1e308, 0], [-1e4, -1e4, -1e4]]));
    expect(p.toArray()).toEqual([[0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]]);
  });

  it('softmax and logSoftmax agree with the naive formulas on small logits, along any axis', () => {
    const x = tensor([[0.5, -1, 2], [0, 0.25, -0.5]]);
    for (const axis of [0, 1, -1]) {
      const naive = div(exp(x), sum(exp(x), axis, true));
      softmax(x, axis).data.forEach((v, i) => expect(v).toBeCloseTo(naive.data[i]!, 14));
      log(naive).data.forEach((v, i) => expect(logSoftmax(x, axis).data[i]).toBeCloseTo(v, 14));
    }
  });

  it('fused softmax / logSoftmax match their composites (the oracle) in value and gradient, along every axis', () => {
    const composite = {
      softmax: (x: Tensor, axis: number) => {
        const e = exp(sub(x, noGrad(() => max(x, axis, true))));
        return div(e, sum(e, axis, true));
      },
      logSoftmax: (x: Tensor, axis: number) => {
        const z = sub(x, noGrad(() => max(x, axis, true)));
        return sub(z, log(sum(exp(z), axis, true)));
      },
    };
    const x = randn([2, 3, 4], { seed: 7 });
    const cotangent = randn([2, 3, 4], { seed: 8 });
    for (const axis of [0, 1, 2, -1]) {
      for (const [name, fused] of [['softmax', softmax], ['logSoftmax', logSoftmax]] as const) {
        const [y, pullback] = vjp((t) => fused(t, axis), x);
        const [yRef, pullbackRef] = vjp((t) => composite[name](t, axis), x);
        y.data.forEach((v, i) => expect(v).toBeCloseTo(yRef.data[i]!, 14));
        const g = pullback(cotangent)[0]!.data;
        pullbackRef(cotangent)[0]!.data.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 13));
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { GraphError, tensor, type Tensor } from '@tensorgrad/core';
import { matmul, sum, tanh } from '@tensorgrad/ops';
import { explainBackward, lastTrace, traceBackward } from '../src/index.js';

// f(W, x) = Σ tanh(W x): small enough to difference by hand.
function f(W: Tensor, x: Tensor): Tensor {
  return sum(tanh(matmul(W, x))).named('f');
}

/** Centered differences of f in each entry of W (eps 1e-6, float64). */
function numericGradW(W0: number[][], x0: number[]): number[][] {
  const eps = 1e-6;
  return W0.map((row, i) =>
    row.map((_, j) => {
      const plus = W0.map((r) => r.slice());
      const minus = W0.map((r) => r.slice());
      plus[i]![j]! += eps;
      minus[i]![j]! -= eps;
      return (f(tensor(plus), tensor(x0)).item() - f(tensor(minus), tensor(x0)).item()) / (2 * eps);
    }),
  );
}

describe('explainBackward of a tensor without a trace', () => {
  const W0 = [[0.3, -0.7], [0.5, 0.2]];
  const x0 = [0.4, -1.1];

  it('writes no .grad, so a backward afterwards gives the gradient of one pass', () => {
    const W = tensor(W0, { requiresGrad: true, name: 'W' });
    const x = tensor(x0, { requiresGrad: true, name: 'x' });
    const loss = f(W, x);
    const text = explainBackward(loss);
    expect(text).toContain('1. sum');
    expect(W.grad).toBeNull();
    expect(x.grad).toBeNull();
    // The graph is kept: the training step after the explanation still runs, with one pass's gradient.
    loss.backward();
    const numeric = numericGradW(W0, x0);
    W.grad!.toArray().forEach((row: number[], i: number) => row.forEach((g, j) => expect(g).toBeCloseTo(numeric[i]![j]!, 8)));
  });

  it('explains the same gradients as backward computes', () => {
    const W = tensor(W0, { requiresGrad: true, name: 'W' });
    const x = tensor(x0, { requiresGrad: true, name: 'x' });
    const loss = f(W, x);
    explainBackward(loss);
    const trace = lastTrace(loss)!;
    loss.backward();
    expect(trace.gradient(W)!.toArray()).toEqual(W.grad!.toArray());
    expect(trace.gradient(x)!.toArray()).toEqual(x.grad!.toArray());
    expect(trace.seed.item()).toBe(1);
  });

  it('explains a leaf output (no gate) without writing its .grad', () => {
    const a = tensor(2, { requiresGrad: true, name: 'a' });
    expect(explainBackward(a).split('\n').at(-1)).toBe('Gradients: a = 1.00');
    expect(a.grad).toBeNull();
  });

  it('still accumulates after traceBackward, which is documented to run a backward', () => {
    const a = tensor(2, { requiresGrad: true, name: 'a' });
    const g = a.mul(a).named('g');
    explainBackward(traceBackward(g));
    expect(a.grad!.item()).toBe(4);
  });

  it('refuses a released graph under its own name, pointing at traceBackward', () => {
    const a = tensor(2, { requiresGrad: true, name: 'a' });
    const g = a.mul(a).named('g');
    g.backward();
    expect(() => explainBackward(g)).toThrow(GraphError);
    expect(() => explainBackward(g)).toThrow(
      "explainBackward: the graph behind 'mul' was already released by a backward pass; to explain a pass, run it as traceBackward(output) instead of output.backward() (it keeps the graph), or pass { retainGraph: true } to backward",
    );
  });

  it('refuses a non-scalar output under its own name', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    expect(() => explainBackward(a.mul(2))).toThrow(/^explainBackward: the output has shape \[2\], not a scalar: explain a reduction of it \(explainBackward\(y\.sum\(\)\)\)/);
    expect(a.grad).toBeNull();
  });
});

// Higher-order gradients where a PyTorch or JAX user has expectations: zeroGrad({ setToNone: false }) on a
// gradient that is in the graph (PyTorch detaches it), transforms nested in transforms (JAX composes
// hessian, hvp and jvp with grad), functions whose gradient does not depend on the input (zeros, as JAX),
// and the shape refusals of the tangents.
import { describe, expect, it } from 'vitest';
import { ShapeError, gradients, tensor, type Tensor } from '@tensorgrad/core';
import { grad, hessian, hvp, jvp, mul, pow, sum, square } from '@tensorgrad/ops';
import { Linear, SGD } from '@tensorgrad/nn';

describe('.grad from a createGraph backward, then zeroGrad({ setToNone: false })', () => {
  it('the next second derivative counts only the new gradient (the zeroed one leaves the graph, as PyTorch detaches it)', () => {
    // f = Σ w²: .grad = 2w, and d(Σ .grad)/dw = 2 — not 4 from a zeroed gradient still in the graph.
    const w = tensor([1, 2], { requiresGrad: true });
    sum(square(w)).backward(undefined, { createGraph: true });
    w.zeroGrad({ setToNone: false });
    expect(w.grad!.toArray()).toEqual([0, 0]);
    expect(w.grad!.requiresGrad).toBe(false);
    sum(square(w)).backward(undefined, { createGraph: true });
    expect(w.grad!.toArray()).toEqual([2, 4]);
    expect(gradients(sum(w.grad!), [w])[0]!.toArray()).toEqual([2, 2]);
  });

  it('what was built from the old gradient keeps its values and its graph', () => {
    // A gradient penalty Σ g² from g = 2w: its gradient is 8w.
    const w = tensor([1, -3], { requiresGrad: true });
    sum(square(w)).backward(undefined, { createGraph: true });
    const g = w.grad!;
    const penalty = sum(square(g));
    w.zeroGrad({ setToNone: false });
    expect(g.toArray()).toEqual([2, -6]);
    expect(gradients(penalty, [w])[0]!.toArray()).toEqual([8, -24]);
  });

  it('a plain gradient is still zeroed in place (the same tensor), and an optimizer zeroes graph gradients the same way', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    sum(square(w)).backward();
    const kept = w.grad!;
    w.zeroGrad({ setToNone: false });
    expect(w.grad).toBe(kept);
    expect(kept.toArray()).toEqual([0, 0]);

    const layer = new Linear(2, 1);
    const optimizer = new SGD(layer.parameters(), { lr: 0.1 });
    sum(square(layer.forward(tensor([[1, 2]])))).backward(undefined, { createGraph: true });
    expect(layer.weight.grad!.requiresGrad).toBe(true);
    optimizer.zeroGrad({ setToNone: false });
    for (const p of layer.parameters()) {
      expect(p.grad!.requiresGrad).toBe(false);
      expect(Array.from(p.grad!.data)).toEqual(new Array(p.size).fill(0));
    }
  });
});

describe('transforms nested in grad (JAX composes them)', () => {
  // f = Σ x⁴ at x = [1, 2]: ∇f = 4x³, H = diag(12x²), and d/dx of H's entries is 24x on the diagonal.
  const f = (u: Tensor): Tensor => sum(pow(u, 4));
  const x = tensor([1, 2]);
  const v = tensor([1, -1]);

  it('hessian: d/dx Σ H(x) = 24x, where the Hessian used to leave the graph (a silent 0)', () => {
    expect(grad((u: Tensor) => sum(hessian(f, u)))(x).toArray()).toEqual([24, 48]);
    // At top level it is a plain tensor, as before.
    const H = hessian(f, x);
    expect(H.toArray()).toEqual([[12, 0], [0, 48]]);
    expect(H.requiresGrad).toBe(false);
  });

  it('hvp and jvp: d/dx Σ H·v = 24x·v, d/dx Σ J·v = 12x²·v (J of x ↦ x⁴ elementwise is diag(4x³))', () => {
    expect(grad((u: Tensor) => sum(hvp(f, u, v)))(x).toArray()).toEqual([24, -48]);
    expect(grad((u: Tensor) => sum(jvp((w: Tensor) => pow(w, 4), u, v)[1]))(x).toArray()).toEqual([12, -48]);
  });
});

describe('a function whose gradient does not depend on the input gives zeros (JAX), not an error', () => {
  const linear = (u: Tensor): Tensor => sum(mul(u, 3));
  const x = tensor([1, 2]);

  it('hessian, hvp and grad of grad of a linear function', () => {
    expect(hessian(linear, x).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(hvp(linear, x, [1, 1]).toArray()).toEqual([0, 0]);
    expect(grad((u: Tensor) => sum(grad(linear)(u)))(x).toArray()).toEqual([0, 0]);
  });

  it('jvp of a constant function: its value and a zero tangent of the output\'s shape', () => {
    const [out, tangent] = jvp(() => tensor([3, 4, 5]), x, [1, 0]);
    expect(out.toArray()).toEqual([3, 4, 5]);
    expect(tangent.toArray()).toEqual([0, 0, 0]);
  });
});

describe('tangent shapes are checked before any work, with both shapes named', () => {
  const f = (u: Tensor): Tensor => sum(square(u));
  it('jvp, hvp and hessian', () => {
    expect(() => jvp(square, tensor([1, 2]), tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => jvp(square, tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/^jvp: a tangent v of shape \[3\] does not match x of shape \[2\]/);
    expect(() => hvp(f, tensor([[1, 2]]), tensor([1, 2]))).toThrow(/^hvp: a vector v of shape \[2\] does not match x of shape \[1, 2\]/);
    expect(() => hvp(f, tensor([1, 2]), 1)).toThrow(/^hvp: a vector v of shape \[\] does not match x of shape \[2\]/);
    expect(() => hvp(square, tensor([1, 2]), [1, 1])).toThrow(/^hvp: f must return a scalar \(one element\), got shape \[2\]/);
    expect(() => hessian(square, tensor([1, 2]))).toThrow(/^hessian: f must return a scalar \(one element\), got shape \[2\]/);
  });
});

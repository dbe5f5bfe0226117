// Functional transforms (JAX-like): grad, valueAndGrad, vjp. Checked against the lecture's numbers and
// against centered differences, and for purity: no .grad anywhere changes; junk arguments give typed
// errors naming the function called.
import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, ValueError, noGrad, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { add, grad, gradcheck, l2, matmul, mul, relu, sigmoid, sum, valueAndGrad, vjp } from '@tensorgrad/ops';

const W0 = [[0.1, 0.5], [-0.3, 0.8]];
const x0 = [0.2, 0.4];

describe('grad', () => {
  it('is df/d(first argument) by default: lecture example 1, df/dx = -4', () => {
    const f = (x: Tensor, y: Tensor, z: Tensor) => mul(add(x, y), z);
    expect(grad(f)(tensor(-2), tensor(5), tensor(-4)).item()).toBe(-4);
    expect(grad(f, 2)(tensor(-2), tensor(5), tensor(-4)).item()).toBe(3);
    expect(grad(f, [0, 1, 2])(tensor(-2), tensor(5), tensor(-4)).map((g) => g.item())).toEqual([-4, -4, 3]);
  });

  it('lecture example 4: grad of ||W x||² w.r.t. W and x', () => {
    const [dW, dx] = grad((W: Tensor, x: Tensor) => l2(matmul(W, x)), [0, 1])(tensor(W0), tensor(x0));
    expect(dW!.shape).toEqual([2, 2]);
    (dW!.toArray() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo([0.088, 0.176, 0.104, 0.208][i]!, 12));
    (dx!.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo([-0.112, 0.636][i]!, 12));
  });

  it('accepts numbers for differentiated arguments and passes other arguments through', () => {
    const f = (x: Tensor | number, scale: number, label: string) => (label === 'double' ? mul(mul(x, x), 2 * scale) : mul(x, x));
    expect(grad(f)(3, 1, 'double').item()).toBe(12);
  });

  it('is pure: tensors f closes over keep their .grad, the arguments get none', () => {
    const W = tensor(W0, { requiresGrad: true });
    W.grad = tensor([[1, 1], [1, 1]]);
    const x = tensor(x0, { requiresGrad: true });
    const dx = grad((v: Tensor) => l2(matmul(W, v)))(x);
    expect(dx.shape).toEqual([2]);
    expect(W.grad!.toArray()).toEqual([[1, 1], [1, 1]]);
    expect(x.grad).toBeNull();
  });

  it('works inside noGrad (it records its own graph)', () => {
    const g = noGrad(() => grad((x: Tensor) => sum(mul(x, x)))(tensor([1, 2])));
    expect(g.toArray()).toEqual([2, 4]);
  });

  it('gives zeros when f does not depend on the argument', () => {
    expect(grad((_x: Tensor, y: Tensor) => sum(y), 0)(tensor([1, 2]), tensor([3])).toArray()).toEqual([0, 0]);
  });

  it('throws a ShapeError for a non-scalar f, and a ValueError for a bad argnums', () => {
    expect(() => grad((x: Tensor) => mul(x, 2))(tensor([1, 2]))).toThrow(ShapeError);
    expect(() => grad((x: Tensor) => mul(x, 2))(tensor([1, 2]))).toThrow(/^grad: f must return a scalar.*\[2\]/);
    expect(() => grad((x: Tensor) => sum(x), 3)(tensor([1, 2]))).toThrow(ValueError);
  });

  it('agrees with gradcheck', () => {
    const f = (x: Tensor) => sum(sigmoid(relu(mul(x, x))));
    const x = tensor([0.3, -1.2, 2.0]);
    const g = grad(f)(x).data;
    const s = x.data.map((v) => 1 / (1 + Math.exp(-v * v)));
    [...g].forEach((v, i) => expect(v).toBeCloseTo(s[i]! * (1 - s[i]!) * 2 * x.data[i]!, 12));
    expect(gradcheck(f, [x]).ok).toBe(true);
  });
});

describe('valueAndGrad', () => {
  it('returns [value, gradient]: lecture example 4, f = 0.116', () => {
    const [value, [dW, dx]] = valueAndGrad((W: Tensor, x: Tensor) => l2(matmul(W, x)), [0, 1])(tensor(W0), tensor(x0));
    expect(value.item()).toBeCloseTo(0.116, 12);
    expect(value.requiresGrad).toBe(false);
    expect(dW!.shape).toEqual([2, 2]);
    expect(dx!.data[1]).toBeCloseTo(0.636, 12);
    const [v1, g1] = valueAndGrad((x: Tensor) => sum(mul(x, x)))(tensor([3]));
    expect([v1.item(), g1.item()]).toEqual([9, 6]);
  });
});

describe('purity: the caller\'s graph and gradients are left alone', () => {
  it('grad does not release a graph built outside f', () => {
    const W = tensor([1, 2], { requiresGrad: true });
    const h = W.mul(2); // the caller's graph, closed over by f
    expect(grad((x: Tensor) => sum(mul(h, x)))(tensor([3, 4])).toArray()).toEqual([2, 4]);
    h.sum().backward();
    expect(W.grad!.toArray()).toEqual([2, 2]);
  });

  it('grad leaves the .grad of a closed-over retainGrad() tensor and of leaves as they were', () => {
    const W = tensor([1, 2], { requiresGrad: true });
    const h = W.mul(2).retainGrad();
    h.sum().backward();
    expect(h.grad!.toArray()).toEqual([1, 1]);
    const [, dx] = valueAndGrad((x: Tensor) => sum(mul(h, x)))(tensor([3, 4]));
    expect(dx.toArray()).toEqual([2, 4]);
    expect(h.grad!.toArray()).toEqual([1, 1]);
    expect(W.grad!.toArray()).toEqual([2, 2]);
    const [, pullback] = vjp((x) => mul(h, x), tensor([3, 4]));
    expect(pullback([1, 1])[0]!.toArray()).toEqual([2, 4]);
    expect(h.grad!.toArray()).toEqual([1, 1]);
    expect(W.grad!.toArray()).toEqual([2, 2]);
  });
});

describe('vjp', () => {
  it('returns the output and a pullback: dyᵀ J for any cotangent, any number of times', () => {
    const [q, pullback] = vjp((W, x) => matmul(W, x), tensor(W0), tensor(x0));
    expect(q.data[0]).toBeCloseTo(0.22, 12);
    expect(q.data[1]).toBeCloseTo(0.26, 12);
    // With dy = 2q (df/dq of the L2 node) the pullback gives the lecture's dW and dx.
    const [dW, dx] = pullback(tensor([0.44, 0.52]));
    (dW!.toArray() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo([0.088, 0.176, 0.104, 0.208][i]!, 12));
    (dx!.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo([-0.112, 0.636][i]!, 12));
    // A one-hot cotangent picks a row of the Jacobian: dq0/dx = W[0].
    const [, row] = pullback([1, 0]);
    expect(row!.toArray()).toEqual([0.1, 0.5]);
    const [, again] = pullback([1, 0]);
    expect(again!.toArray()).toEqual([0.1, 0.5]);
  });

  it('rejects a cotangent of the wrong shape', () => {
    const [, pullback] = vjp((x) => mul(x, 2), tensor([1, 2, 3]));
    expect(() => pullback(tensor([1, 2]))).toThrow(ShapeError);
  });

  it('leaves the inputs untouched', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [, pullback] = vjp((t) => mul(t, t), x);
    expect(pullback([1, 1])[0]!.toArray()).toEqual([2, 4]);
    expect(x.grad).toBeNull();
  });
});

describe('nested transforms (higher-order gradients)', () => {
  const inner = (y: Tensor) => sum(mul(mul(y, y), y)); // y³, d/dy = 3y²

  it('grad(grad(f)) is the exact second derivative, and grad(grad(grad(f))) the third', () => {
    // d²(y³)/dy² = 6y = 12 at y = 2 (it used to be refused, and before that a silent 0); d³ = 6.
    expect(grad((x: Tensor) => sum(grad(inner)(x)))(tensor([2])).toArray()).toEqual([12]);
    expect(grad(grad((x: Tensor) => sum(grad(inner)(x))))(tensor([2])).toArray()).toEqual([6]);
  });

  it('also when the inner function closes over the outer argument, and for vjp and valueAndGrad', () => {
    // d/dw of d/dx Σ x²·w at x = [1, 2] is Σ 2x = 6.
    expect(grad((w: Tensor) => sum(grad((x: Tensor) => sum(mul(mul(x, x), w)))(tensor([1, 2]))))(tensor([2])).toArray()).toEqual([6]);
    expect(grad((x: Tensor) => sum(vjp((y) => mul(y, y), x)[1]([1])[0]!))(tensor([2])).toArray()).toEqual([2]);
    expect(grad((x: Tensor) => valueAndGrad(inner)(x)[0])(tensor([2])).toArray()).toEqual([12]);
  });

  it("the inner transform differentiates its own argument only, not the outer one f closes over (JAX's rule)", () => {
    // g(x) = d/dy [y·x²] at y = x is x², so g'(2) = 4; counting the closed-over x as y would give 12.
    expect(grad((x: Tensor) => sum(grad((y: Tensor) => sum(mul(y, mul(x, x))))(x)))(tensor([2])).toArray()).toEqual([4]);
  });

  it('an inner gradient not used in the output does not disturb the outer one', () => {
    let seen = 0;
    const g = grad((x: Tensor) => {
      seen = grad(inner)(x).item();
      return sum(mul(x, 5));
    })(tensor([2]));
    expect(seen).toBe(12);
    expect(g.toArray()).toEqual([5]);
  });

  it('still gives zeros for an output that genuinely does not depend on the inputs', () => {
    expect(grad((_x: Tensor) => sum(tensor([1, 2])))(tensor([3])).toArray()).toEqual([0]);
    expect(grad((x: Tensor) => sum(x.detach()))(tensor([3, 4])).toArray()).toEqual([0, 0]);
    // A gradient taken of something unrelated to the outer input is a constant to the outer transform.
    expect(grad((x: Tensor) => sum(mul(grad(inner)(tensor([1])), x)))(tensor([2])).toArray()).toEqual([3]);
  });

  it('an inner grad at top level (not nested) is unaffected: plain tensors out', () => {
    const g = grad(inner)(tensor([2]));
    expect(g.requiresGrad).toBe(false);
    expect(g.toArray()).toEqual([12]);
  });
});

describe('errors name the function the user called', () => {
  it('gradcheck refuses a misspelt option instead of running at the default tolerance', () => {
    const f = (x: Tensor) => sum(mul(x, x));
    expect(() => gradcheck(f, [tensor([1, 2])], { atoll: 1 } as never)).toThrow(ValueError);
    expect(() => gradcheck(f, [tensor([1, 2])], { atoll: 1 } as never)).toThrow(/^gradcheck: unknown option 'atoll' \(did you mean 'atol'\?\)/);
    expect(() => gradcheck(f, [tensor([1, 2])], 3 as never)).toThrow(/^gradcheck: options must be an object such as \{ atol: 1e-6 \}, got 3/);
    expect(gradcheck(f, [tensor([1, 2])], { atol: 1e-6, rtol: undefined }).ok).toBe(true);
  });

  it('gradcheck of a function that returns a number says gradcheck, not vjp', () => {
    expect(() => gradcheck((() => 3) as unknown as (x: Tensor) => Tensor, [tensor([1])])).toThrow(/^gradcheck: f must return a Tensor, got 3/);
  });

  it('a pullback given the wrong number of values says vjp, not backward', () => {
    const [, pullback] = vjp((x) => mul(x, 2), tensor([1, 2, 3]));
    expect(() => pullback([1, 2])).toThrow(ShapeError);
    expect(() => pullback([1, 2])).toThrow(/^vjp: a cotangent of 2 values does not fit the output's shape \[3\]/);
    expect(() => pullback('a' as unknown as number)).toThrow(/^vjp: a cotangent is a Tensor/);
    expect(() => pullback(tensor([1, 2]))).toThrow(/^vjp: a cotangent of shape \[2\] does not match the output's shape \[3\]/);
    // Same size, other shape: refused, as JAX's vjp and backward's seed do (it used to be reshaped silently).
    expect(() => pullback(tensor([[1, 2, 3]]))).toThrow(/^vjp: a cotangent of shape \[1, 3\] does not match/);
    expect(() => pullback(null as never)).toThrow(/^vjp: the output has shape \[3\], not a scalar: pass a cotangent of that shape/);
  });
});

describe('junk arguments give typed errors naming the op', () => {
  it('transforms and gradcheck check f, inputs, argnums and options', () => {
    const x = tensor([1, 2]);
    expect(() => ops.grad(null as never)).toThrow(/^grad: expected a function f/);
    expect(() => ops.grad((t: Tensor) => sum(t), 'a' as never)).toThrow(/^grad: argnums must be/);
    expect(() => ops.grad((t: Tensor) => sum(t), 1.5)(x)).toThrow(/^grad: argnums 1.5 is not an argument index/);
    expect(() => ops.vjp(3 as never, x)).toThrow(/^vjp: expected a function f/);
    expect(() => ops.vjp((t) => t, 'x' as never)).toThrow(/^vjp: expected a Tensor or a number/);
    expect(() => ops.gradcheck(null as never, [x])).toThrow(/^gradcheck: expected a function f/);
    expect(() => ops.gradcheck((t) => sum(t), x as never)).toThrow(/^gradcheck: inputs must be a list of Tensors/);
    expect(() => ops.gradcheck((t) => sum(t), [x], { eps: 0 })).toThrow(/^gradcheck: eps must be a finite positive number/);
    expect(() => ops.gradcheck((t) => sum(t), [x], { wrt: [3] })).toThrow(/^gradcheck: wrt names input 3/);
    expect(() => ops.gradcheck((t) => sum(t), [x], null as never)).toThrow(ValueError);
  });
});

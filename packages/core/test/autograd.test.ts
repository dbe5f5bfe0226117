import { describe, expect, it } from 'vitest';
import ndarray from 'ndarray';
import {
  AnomalyError,
  GraphError,
  InPlaceError,
  PendingGradient,
  ShapeError,
  TensorgradError,
  ValueError,
  defineOp,
  detectAnomaly,
  enableGrad,
  fromData,
  fromNdarray,
  gradients,
  isAnomalyEnabled,
  isGradEnabled,
  noGrad,
  record,
  registeredOps,
  tensor,
  type BackwardStep,
  type Tensor,
} from '@tensorgrad/core';
import { broken, expo, ln, plus, scale, times, total } from './tiny-ops.js';

describe('recording and leaves', () => {
  it('grad is null until a backward reaches the tensor', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const unused = tensor([3, 4], { requiresGrad: true });
    const y = total(times(x, x));
    expect(x.grad).toBeNull();
    y.backward();
    expect(x.grad!.toArray()).toEqual([2, 4]);
    expect(unused.grad).toBeNull();
  });

  it('results require grad only when an input does and grad is enabled', () => {
    const x = tensor([1], { requiresGrad: true });
    const c = tensor([2]);
    expect(times(c, c).requiresGrad).toBe(false);
    const y = times(x, c);
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.toString()).toBe('tensor([2.], op=test.times)');
    const z = noGrad(() => times(x, c));
    expect(z.requiresGrad).toBe(false);
    expect(z.isLeaf).toBe(true);
    expect(isGradEnabled()).toBe(true);
    noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      expect(enableGrad(() => times(x, c)).requiresGrad).toBe(true);
    });
  });

  it("reproduces the lecture's f = (x + y) z at x = -2, y = 5, z = -4", () => {
    const x = tensor(-2, { requiresGrad: true });
    const y = tensor(5, { requiresGrad: true });
    const z = tensor(-4, { requiresGrad: true });
    const q = plus(x, y).retainGrad();
    const f = times(q, z);
    expect(q.item()).toBe(3);
    expect(f.item()).toBe(-12);
    f.backward();
    expect(z.grad!.item()).toBe(3);
    expect(q.grad!.item()).toBe(-4);
    expect(x.grad!.item()).toBe(-4);
    expect(y.grad!.item()).toBe(-4);
  });

  it('a leaf that requires grad can be the output itself', () => {
    const x = tensor(3, { requiresGrad: true });
    x.backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('detach() stops the gradient', () => {
    const x = tensor([2], { requiresGrad: true });
    const y = times(x, times(x, x).detach());
    total(y).backward();
    expect(x.grad!.toArray()).toEqual([4]);
  });
});

describe('accumulation', () => {
  it('gradients add at branches: x used three times', () => {
    const x = tensor([1.5, -2], { requiresGrad: true });
    // f = Σ (x*x + 3x + x) -> df/dx = 2x + 4
    const f = total(plus(plus(times(x, x), scale(x, 3)), x));
    f.backward();
    expect(x.grad!.toArray()).toEqual([7, 0]);
  });

  it('leaves accumulate across backward calls until zeroGrad()', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    total(scale(x, 3)).backward();
    total(scale(x, 3)).backward();
    expect(x.grad!.toArray()).toEqual([6, 6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    total(scale(x, 5)).backward();
    expect(x.grad!.toArray()).toEqual([5, 5]);
  });

  it('two leaves never share gradient storage, nor with the seed', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const seed = tensor([1, 1]);
    plus(a, b).backward(seed);
    expect(a.grad!.data).not.toBe(b.grad!.data);
    expect(a.grad!.data).not.toBe(seed.data);
    noGrad(() => a.grad!.mutate((d) => d.fill(0)));
    expect(b.grad!.toArray()).toEqual([1, 1]);
    expect(seed.toArray()).toEqual([1, 1]);
  });
});

describe('seeds', () => {
  it('backward from a non-scalar needs a seed, and the error suggests sum()', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = scale(x, 2);
    expect(() => y.backward()).toThrow(GraphError);
    expect(() => y.backward()).toThrow(/backward: the output has shape \[2\], not a scalar.*y\.sum\(\)\.backward\(\)/);
    y.backward(tensor([1, 10]));
    expect(x.grad!.toArray()).toEqual([2, 20]);
  });

  it('a seed may be a number (scalar outputs) or a flat array of the right size', () => {
    const x = tensor([[1, 2]], { requiresGrad: true });
    total(x).backward(0.5, { retainGraph: true });
    expect(x.grad!.toArray()).toEqual([[0.5, 0.5]]);
    x.zeroGrad();
    scale(x, 1).backward([3, 4]);
    expect(x.grad!.toArray()).toEqual([[3, 4]]);
  });

  it('a seed of the wrong shape is a ShapeError naming both shapes', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => scale(x, 2).backward(tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => scale(x, 2).backward(tensor([1, 2, 3]))).toThrow("backward: a seed gradient of shape [3] does not match the output's shape [2]");
  });

  it('backward from a tensor that does not require grad is a GraphError', () => {
    expect(() => tensor(1).backward()).toThrow(/backward: the tensor of shape \[\] does not require grad/);
  });
});

describe('backward options, and a failed pass', () => {
  it('options passed first (PyTorch keyword style) are refused with where they go, and nothing runs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = total(expo(x));
    expect(() => y.backward({ retainGraph: true } as never)).toThrow(ValueError);
    expect(() => y.backward({ retainGraph: true } as never)).toThrow(
      'backward: options go second, after the seed gradient: backward(undefined, { retainGraph: true }) (the first argument is the seed: a Tensor, a number or an array of numbers)',
    );
    expect(x.grad).toBeNull();
    // Any other object is still a bad seed.
    expect(() => y.backward({ retain: true } as never)).toThrow('backward: a seed gradient is a Tensor, a number or an array of numbers, got an Object');
    // The graph is intact and the advice works: two passes, e^x twice.
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.data[1]).toBeCloseTo(2 * Math.exp(2), 13);
  });

  it('a failing backward changes no .grad and releases nothing', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const good = scale(x, 2);
    const y = total(plus(good, broken(x)));
    expect(() => y.backward()).toThrow(ShapeError);
    expect(x.grad).toBeNull();
    // The graph of `good` is intact: it can still run backward.
    total(good).backward();
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });
});

/** How a test's PendingGradient writes: all of it, or throwing before it writes or half-way. */
type WriteMode = 'writes' | 'throws first' | 'throws half-way';

/** c * x, whose rule returns its gradient as a PendingGradient that writes as `mode()` says at that moment. */
function pendingScale(x: Tensor, c: number, mode: () => WriteMode): Tensor {
  const y = fromData(x.data.map((v) => c * v), x.shape);
  return record('test.pendingScale', [x], y, (dy) => {
    const g = dy.data;
    const write = (out: Float64Array, offset: number, accumulate: boolean): void => {
      const now = mode();
      for (let i = 0; i < g.length; i++) {
        if ((now === 'throws first' && i === 0) || (now === 'throws half-way' && i === g.length >> 1)) throw new Error('write failed');
        out[offset + i] = (accumulate ? out[offset + i]! : 0) + c * g[i]!;
      }
    };
    return [new PendingGradient(x.shape, write, [g])];
  });
}

/** What a leaf's gradient is now: the tensor, its values and its version, without handing it out. */
function gradState(t: Tensor): { grad: Tensor | null; values: number[] | null; version: number | null; spare: Float64Array | null } {
  const grad = t._peekGrad();
  return { grad, values: grad === null ? null : Array.from(grad.data), version: grad === null ? null : grad.version, spare: t._spareGrad };
}

describe('a pending gradient whose write throws in the last step of backward', () => {
  /**
   * Leaves of every kind the last step writes: `fresh` without a .grad (a pending write into its spare
   * storage), `small` and `large` with kept .grads (pending writes in place), `plain` with a kept .grad
   * receiving a tensor. `failing` says which one's write throws, and how.
   */
  function setUp(failing: 'large' | 'small', how: WriteMode) {
    const leaves = {
      fresh: tensor([1, 2], { requiresGrad: true, name: 'fresh' }),
      small: tensor([1, 2, 3], { requiresGrad: true, name: 'small' }),
      large: tensor([1, 2, 3, 4, 5], { requiresGrad: true, name: 'large' }),
      plain: tensor([1, 2], { requiresGrad: true, name: 'plain' }),
    };
    let armed = false;
    const mode = (name: 'large' | 'small') => (): WriteMode => (armed && name === failing ? how : 'writes');
    const forward = () =>
      plus(
        plus(total(pendingScale(leaves.large, 7, mode('large'))), total(pendingScale(leaves.small, 5, mode('small')))),
        plus(total(pendingScale(leaves.fresh, 2, () => 'writes')), total(scale(leaves.plain, 3))),
      );
    forward().backward();
    // `fresh` gets spare storage (its private gradient dropped), the others kept .grads.
    leaves.fresh.zeroGrad();
    for (const t of [leaves.small, leaves.large, leaves.plain]) t.zeroGrad({ setToNone: false });
    armed = true;
    return { leaves, forward, disarm: () => (armed = false) };
  }

  for (const [failing, how] of [['large', 'throws first'], ['small', 'throws first'], ['small', 'throws half-way']] as const) {
    it(`changes no leaf's .grad (tensor, values, version, spare storage) when the ${failing} one ${how}, and releases nothing`, () => {
      const { leaves, forward, disarm } = setUp(failing, how);
      const y = forward();
      const before = Object.values(leaves).map(gradState);
      expect(before[0]!.spare).not.toBeNull();
      expect(() => y.backward()).toThrow('write failed');
      expect(Object.values(leaves).map(gradState)).toEqual(before);
      for (const [i, state] of Object.values(leaves).map(gradState).entries()) {
        expect(state.grad).toBe(before[i]!.grad);
        expect(state.spare).toBe(before[i]!.spare);
      }
      // The graph is intact: once the write succeeds the same pass runs, once.
      disarm();
      y.backward();
      expect(leaves.fresh._peekGrad()!.nd.data).toBe(before[0]!.spare);
      expect(leaves.fresh.grad!.toArray()).toEqual([2, 2]);
      expect(leaves.small.grad).toBe(before[1]!.grad);
      expect(leaves.small.grad!.toArray()).toEqual([5, 5, 5]);
      expect(leaves.large.grad!.toArray()).toEqual([7, 7, 7, 7, 7]);
      expect(leaves.plain.grad!.toArray()).toEqual([3, 3]);
      expect(leaves.large.grad!.version).toBe(before[2]!.version! + 1);
    });
  }
});

describe('the engine checks each rule', () => {
  it("a gradient of the wrong shape is a ShapeError naming the op, the input and both shapes", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true, name: 'x' });
    expect(() => total(broken(x)).backward()).toThrow("test.broken: backward returned a gradient of shape [4] for input 0 'x' of shape [3]");
  });

  it('a rule returning the wrong number of gradients, or a non-tensor, is caught', () => {
    const bad = defineOp('test.badCount', (x: ReturnType<typeof tensor>) => record('test.badCount', [x], fromData(x.data.slice(), x.shape), () => []));
    expect(() => total(bad(tensor([1], { requiresGrad: true }))).backward()).toThrow('test.badCount: backward rule returned 0 gradients for 1 input');
    const notTensor = defineOp('test.notTensor', (x: ReturnType<typeof tensor>) =>
      record('test.notTensor', [x], fromData(x.data.slice(), x.shape), () => [1 as any]),
    );
    expect(() => total(notTensor(tensor([1], { requiresGrad: true }))).backward()).toThrow('test.notTensor: backward returned 1 instead of a tensor for input 0 of shape [1]');
  });

  it('record refuses to overwrite an input or an already recorded result', () => {
    const x = tensor([1], { requiresGrad: true });
    expect(() => record('test.same', [x], x, (dy) => [dy])).toThrow(GraphError);
    const y = scale(x, 2);
    expect(() => record('test.again', [x], y, (dy) => [dy])).toThrow(/test.again: an op must return a new tensor/);
  });

  it('a null gradient means the input gets none from this op', () => {
    const stop = defineOp('test.stop', (a: ReturnType<typeof tensor>, b: ReturnType<typeof tensor>) =>
      record('test.stop', [a, b], fromData(a.data.slice(), a.shape), (dy) => [dy, null]),
    );
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    total(stop(a, b)).backward();
    expect(a.grad!.toArray()).toEqual([1]);
    expect(b.grad).toBeNull();
  });
});

describe('registry', () => {
  it('defining an op registers its name, once', () => {
    expect(registeredOps()).toEqual(expect.arrayContaining(['test.plus', 'test.times', 'test.scale', 'test.total', 'test.exp', 'test.log']));
    expect(() => defineOp('test.plus', () => tensor(0))).toThrow(ValueError);
    expect(() => defineOp('test.plus', () => tensor(0))).toThrow("defineOp: an op named 'test.plus' is already defined");
  });

  it('an op carries its name, so stack traces and profiles show it', () => {
    expect(plus.name).toBe('test.plus');
    expect(times.name).toBe('test.times');
    const twice = defineOp('test.twice', (x: Tensor) => scale(x, 2));
    expect(twice.name).toBe('test.twice');
    expect(twice(tensor([1, 2])).toArray()).toEqual([2, 4]);
  });
});

describe('in-place modification of saved tensors', () => {
  it('an InPlaceError names the op, the tensor and the versions', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    const y = expo(x).named('y');
    const f = total(y);
    noGrad(() => y.mutate((d) => d.fill(0)));
    expect(y.version).toBe(1);
    expect(() => f.backward()).toThrow(InPlaceError);
    expect(() => f.backward()).toThrow("test.exp: a tensor 'y' of shape [2] saved for backward was modified in place (version 0 at forward, 1 now)");
    expect(x.grad).toBeNull();
  });

  it('a constant saved by mul and modified through a view is caught too', () => {
    const w = tensor([1, 2]);
    const x = tensor([3, 4], { requiresGrad: true });
    const f = total(times(w, x));
    w.detach().mutate((d) => (d[0] = 5));
    const error = (() => {
      try {
        f.backward();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InPlaceError);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toBeInstanceOf(TensorgradError);
  });

  it('writes before the forward pass are fine', () => {
    const w = tensor([1, 2]);
    w.mutate((d) => (d[0] = 5));
    const x = tensor([3, 4], { requiresGrad: true });
    total(times(w, x)).backward();
    expect(x.grad!.toArray()).toEqual([5, 2]);
  });
});

describe('detectAnomaly', () => {
  it('names the op that produced a NaN or Infinity in the forward pass', () => {
    const x = tensor([1, 0], { requiresGrad: true, name: 'x' });
    expect(() => detectAnomaly(() => ln(x))).toThrow(AnomalyError);
    expect(() => detectAnomaly(() => ln(x))).toThrow('test.log: output holds -Infinity at flat index 1 (inputs [2]); every input was finite, so this op produced it');
    expect(isAnomalyEnabled()).toBe(false);
    expect(ln(x).data[1]).toBe(-Infinity);
  });

  it('names the input that already held the bad value', () => {
    const x = tensor([NaN, 1], { name: 'x' });
    expect(() => detectAnomaly(() => scale(x, 2))).toThrow("test.scale: output holds NaN at flat index 0 (inputs [2]); input 0 'x' of shape [2] already held NaN");
  });

  it('checks the gradients of the backward pass', () => {
    const x = tensor([1, 0], { requiresGrad: true });
    const y = total(ln(scale(x, 1)));
    expect(y.item()).toBe(-Infinity);
    expect(() => detectAnomaly(() => y.backward())).toThrow(AnomalyError);
    expect(() => detectAnomaly(() => y.backward())).toThrow(/test.log: backward's gradient for input 0 of shape \[2\] holds Infinity at flat index 1 \(inputs upstream gradient \[2\], \[2\]\); the upstream gradient and the op's inputs were finite, so this op's backward produced it/);
  });
});

describe('onStep', () => {
  it('reports each op once, output side first, with its upstream and downstream gradients', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = tensor(3, { requiresGrad: true });
    const steps: BackwardStep[] = [];
    total(times(x, y)).backward(undefined, { onStep: (s) => steps.push(s) });
    expect(steps.map((s) => s.op)).toEqual(['test.total', 'test.times']);
    expect(steps[1]!.upstream.item()).toBe(1);
    expect(steps[1]!.downstream.map((g) => g!.item())).toEqual([3, 2]);
  });
});

describe('a backward inside a backward (from onStep or a rule)', () => {
  it('that releases the outer graph is a GraphError for the outer pass, not a TypeError', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = total(scale(x, 2));
    const outer = () => y.backward(undefined, { onStep: (s) => s.op === 'test.total' && y.backward() });
    expect(outer).toThrow(GraphError);
    // The inner pass ran to its end; the outer one changed nothing.
    expect(x.grad!.toArray()).toEqual([2, 2]);
    const z = total(scale(x, 2));
    expect(() => z.backward(undefined, { onStep: (s) => s.op === 'test.total' && z.backward() })).toThrow(
      "backward: the graph behind 'test.scale' was released during this pass, by a backward called from onStep or a backward rule; pass { retainGraph: true } to that inner backward (or run it after this one)",
    );
    expect(x.grad!.toArray()).toEqual([4, 4]);
  });

  it('that keeps the graph runs, and the outer pass completes and accumulates after it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = total(scale(x, 2));
    let inner = 0;
    y.backward(undefined, { onStep: () => inner++ === 0 && y.backward(undefined, { retainGraph: true }) });
    expect(x.grad!.toArray()).toEqual([4, 4]);
  });

  it('on a graph of its own inside a rule (recomputing a checkpointed part) works', () => {
    // d(x²) = 2x dx, by differentiating a recomputed x * x inside the rule.
    const squareCheckpointed = (x: Tensor) =>
      record('test.checkpoint', [x], fromData(x.data.map((v) => v * v), x.shape), (dy) => {
        const again = tensor(Array.from(x.data), { requiresGrad: true });
        return gradients(enableGrad(() => times(again, again)), [again], { seed: dy });
      }, [x]);
    const x = tensor([1, 3], { requiresGrad: true });
    total(squareCheckpointed(x)).backward();
    expect(x.grad!.toArray()).toEqual([2, 6]);
  });
});

describe('flat seeds', () => {
  it('a number or flat values must match the output size', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => scale(x, 1).backward(2)).toThrow("backward: a seed gradient of 1 value does not fit the output's shape [2] (2 elements)");
    expect(() => scale(x, 1).backward(['a', 'b'] as any)).toThrow(ValueError);
    expect(x.grad).toBeNull();
  });
});

describe('gradients of strided views from scijs', () => {
  it('a transposed, stepped ndarray view as a leaf gets a dense gradient of its own shape', () => {
    const base = ndarray(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]);
    const x = fromNdarray(base.transpose(1, 0).step(-2), { requiresGrad: true }); // rows 3 and 1 of xᵀ
    expect(x.toArray()).toEqual([[4, 8], [2, 6]]);
    const y = tensor([[1, 2], [3, 4]]);
    total(times(x, times(x, y))).backward();
    // d Σ x²y / dx = 2xy
    expect(x.grad!.toArray()).toEqual([[8, 32], [12, 48]]);
    expect(x.grad!.isContiguous).toBe(true);
  });
});

describe('gradients(output, inputs): torch.autograd.grad', () => {
  it('returns the gradients of the inputs and writes no .grad anywhere', () => {
    const x = tensor([2, 3], { requiresGrad: true, name: 'x' });
    const w = tensor([5, 7], { requiresGrad: true, name: 'w' });
    const h = times(x, w).retainGrad(); // h = x·w, L = Σ h·h
    const L = total(times(h, h));
    const [dx, dh] = gradients(L, [x, h], { retainGraph: true });
    expect(dh!.toArray()).toEqual([20, 42]); // 2h
    expect(dx!.toArray()).toEqual([100, 294]); // 2h·w
    expect([x.grad, w.grad, h.grad]).toEqual([null, null, null]);
    // Retained: the same graph still backpropagates, and the leaves' .grad start from null as before.
    L.backward();
    expect(x.grad!.toArray()).toEqual([100, 294]);
    expect(w.grad!.toArray()).toEqual([40, 126]);
  });

  it('runs only the ops on a path to the inputs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    const seen: string[] = [];
    const y = total(plus(scale(x, 2), expo(w)));
    const [dx] = gradients(y, [x], { onStep: (s) => seen.push(s.op) });
    expect(dx!.toArray()).toEqual([2, 2]);
    expect(seen).toEqual(['test.total', 'test.plus', 'test.scale']);
  });

  it('gives null for an input the output does not depend on, and takes a seed', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const u = tensor([1], { requiresGrad: true });
    const y = scale(x, 3);
    const [dx, du] = gradients(y, [x, u], { seed: [1, 10], retainGraph: true });
    expect(dx!.toArray()).toEqual([3, 30]);
    expect(du).toBeNull();
    expect(() => gradients(y, [x])).toThrow(/^gradients: the output has shape \[2\], not a scalar/);
    expect(() => gradients(y, [x], { retainGrap: true } as never)).toThrow(/^gradients: unknown option 'retainGrap'/);
  });

  it('releases the walked nodes unless retainGraph, as backward does', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = total(scale(x, 3));
    gradients(y, [x]);
    expect(() => y.backward()).toThrow(/already released/);
    // Only the rules that ran: the gradient of an intermediate leaves the graph behind it intact.
    const w = tensor([1, 2], { requiresGrad: true });
    const h = scale(w, 3);
    const L = total(h);
    expect(gradients(L, [h])[0]!.toArray()).toEqual([1, 1]);
    expect(() => L.backward()).toThrow(/already released/);
    total(times(h, h)).backward();
    expect(w.grad!.toArray()).toEqual([18, 36]);
  });

  it('never hands out the seed storage or the same storage twice', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = plus(x, tensor([0, 0]));
    const seed = tensor([4, 5]);
    const [a, b] = gradients(y, [x, x], { seed });
    expect(a!.toArray()).toEqual([4, 5]);
    expect(a!.nd.data).not.toBe(seed.nd.data);
    expect(b!.nd.data).not.toBe(a!.nd.data);
  });
});

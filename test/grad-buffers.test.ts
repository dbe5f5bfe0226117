// Kept gradient buffers: zeroGrad({ setToNone: false }) zero-fills `.grad` in place, backward adds into
// the same storage (in place, as PyTorch's AccumulateGrad), and linear's weight gradient is written by
// the kernel straight into it once the whole walk has succeeded (a PendingGradient).
import { afterEach, describe, expect, it } from 'vitest';
import {
  GraphError,
  PendingGradient,
  ValueError,
  detectAnomaly,
  fromData,
  gradients,
  randn,
  record,
  tensor,
  type Tensor,
} from '@tensorgrad/core';
import { add, gemmKernel, linear, mul, relu, setGemmKernel, sum, transpose } from '@tensorgrad/ops';
import { Linear, ReLU, SGD, Sequential, softmaxCrossEntropy } from '@tensorgrad/nn';

function maxDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < y.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}

/** |a - b| <= tol * max(1, |b|), elementwise. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
  }
}

/** dL/dW of L = Σ (x·Wᵀ + b)² by centered differences (float64, h = 1e-6). */
function numericalWeightGradient(x: Tensor, w: Tensor, b: Tensor): number[] {
  const loss = (wv: Float64Array): number => {
    const y = linear(x.detach(), fromData(wv, w.shape), b.detach());
    return y.data.reduce((s, v) => s + v * v, 0);
  };
  const base = Float64Array.from(w.data);
  return Array.from(base, (_, i) => {
    const h = 1e-6;
    const plus = Float64Array.from(base);
    const minus = Float64Array.from(base);
    plus[i] += h;
    minus[i] -= h;
    return (loss(plus) - loss(minus)) / (2 * h);
  });
}

function layer(seed: number): { x: Tensor; w: Tensor; b: Tensor } {
  return {
    x: randn([5, 4], { seed }),
    w: randn([3, 4], { seed: seed + 1, requiresGrad: true }),
    b: randn([3], { seed: seed + 2, requiresGrad: true }),
  };
}

const squaredSum = (y: Tensor): Tensor => sum(mul(y, y));

describe('zeroGrad({ setToNone: false })', () => {
  it('fills .grad with zeros in place and keeps the tensor; the default forgets it', () => {
    const w = tensor([[1, 2]], { requiresGrad: true });
    sum(mul(w, 3)).backward();
    const kept = w.grad!;
    const storage = kept.data;
    const version = kept.version;
    w.zeroGrad({ setToNone: false });
    expect(w.grad).toBe(kept);
    expect(kept.toArray()).toEqual([[0, 0]]);
    expect(kept.version).toBeGreaterThan(version);
    sum(mul(w, 2)).backward();
    expect(w.grad).toBe(kept);
    expect(w.grad!.data).toBe(storage);
    expect(w.grad!.toArray()).toEqual([[2, 2]]);
    w.zeroGrad();
    expect(w.grad).toBeNull();
  });

  it('on a tensor without a gradient it leaves .grad null', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    w.zeroGrad({ setToNone: false });
    expect(w.grad).toBeNull();
  });

  it('checks its options', () => {
    const w = tensor([1], { requiresGrad: true });
    expect(() => w.zeroGrad({ setToNone: 'no' } as never)).toThrow(ValueError);
    expect(() => w.zeroGrad({ set_to_none: false } as never)).toThrow(/setToNone/);
  });

  it('Module.zeroGrad and Optimizer.zeroGrad pass it on to every tensor', () => {
    const model = new Sequential(new Linear(4, 3, { seed: 1 }), new ReLU(), new Linear(3, 2, { seed: 2 }));
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const x = randn([6, 4], { seed: 3 });
    softmaxCrossEntropy(model.forward(x), [0, 1, 0, 1, 1, 0]).backward();
    const grads = model.parameters().map((p) => p.grad!);
    opt.zeroGrad({ setToNone: false });
    model.parameters().forEach((p, i) => {
      expect(p.grad).toBe(grads[i]);
      expect(Array.from(p.grad!.data).every((v) => v === 0)).toBe(true);
    });
    softmaxCrossEntropy(model.forward(x), [0, 1, 0, 1, 1, 0]).backward();
    model.zeroGrad({ setToNone: false });
    model.parameters().forEach((p, i) => expect(p.grad).toBe(grads[i]));
    model.zeroGrad();
    model.parameters().forEach((p) => expect(p.grad).toBeNull());
  });

  // Defect: Module.zeroGrad validates its options only through each tensor's zeroGrad, so a module
  // without tensors (or every Optimizer-less container) accepts a typo silently.
  it('Module.zeroGrad checks its options even when the module holds no tensor', () => {
    expect(() => new Sequential(new ReLU()).zeroGrad({ setToNon: false } as never)).toThrow(ValueError);
  });
});

describe("linear's weight gradient is written into a kept .grad", () => {
  it('the same values as a fresh gradient, checked against centered differences', () => {
    const { x, w, b } = layer(10);
    squaredSum(linear(x, w, b)).backward();
    const fresh = Float64Array.from(w.grad!.data);
    expectClose(fresh, numericalWeightGradient(x, w, b), 1e-7);
    w.zeroGrad({ setToNone: false });
    b.zeroGrad({ setToNone: false });
    const storage = w.grad!.data;
    squaredSum(linear(x, w, b)).backward();
    expect(w.grad!.data).toBe(storage);
    expect(Array.from(w.grad!.data)).toEqual(Array.from(fresh));
    expect(w.grad!.shape).toEqual([3, 4]);
    // A second backward adds to it, as leaves accumulate.
    squaredSum(linear(x, w, b)).backward();
    expectClose(w.grad!.data, Array.from(fresh, (v) => 2 * v));
  });

  it('a weight used by two linear ops receives the sum of both', () => {
    const { x, w, b } = layer(20);
    const x2 = randn([2, 4], { seed: 23 });
    const loss = (): Tensor => add(squaredSum(linear(x, w, b)), squaredSum(linear(x2, w)));
    loss().backward();
    const expected = Float64Array.from(w.grad!.data);
    w.zeroGrad({ setToNone: false });
    loss().backward();
    expectClose(w.grad!.data, expected);
  });

  it('the rule returns a PendingGradient shaped like the weight; toTensor computes it', () => {
    const { x, w, b } = layer(30);
    const y = linear(x, w, b);
    const dy = fromData(new Float64Array(15).fill(1), [5, 3]);
    const returned = y._node!.backward!(dy);
    expect(returned[1]).toBeInstanceOf(PendingGradient);
    const dW = (returned[1] as PendingGradient).toTensor();
    expect(dW.shape).toEqual([3, 4]);
    // dW = dyᵀ·x: with dy all ones, each row is the column sums of x.
    const colSums = [0, 1, 2, 3].map((j) => [0, 1, 2, 3, 4].reduce((s, i) => s + x.data[i * 4 + j]!, 0));
    for (let r = 0; r < 3; r++) expectClose(dW.data.subarray(r * 4, r * 4 + 4), colSums);
  });

  it('a failed backward leaves the kept .grad untouched (the write waits for the whole walk)', () => {
    const { x, w, b } = layer(40);
    squaredSum(linear(x, w, b)).backward();
    const before = Array.from(w.grad!.data);
    const v = tensor([1, 2], { requiresGrad: true });
    const boom = record('boom', [v], fromData(new Float64Array([1, 2]), [2]), () => {
      throw new GraphError('boom', 'this rule always fails');
    });
    // The linear branch's rule runs first (the engine walks the later operand's branch first), the
    // failing rule after it.
    const loss = add(sum(boom), squaredSum(linear(x, w, b)));
    expect(() => loss.backward()).toThrow(/always fails/);
    expect(Array.from(w.grad!.data)).toEqual(before);
  });

  it('gradients(), onStep and anomaly mode get the weight gradient as a tensor and leave .grad alone', () => {
    const { x, w, b } = layer(50);
    squaredSum(linear(x, w, b)).backward();
    const expected = Array.from(w.grad!.data);
    w.zeroGrad({ setToNone: false });
    const [dW] = gradients(squaredSum(linear(x, w, b)), [w]);
    expectClose(dW!.data, expected);
    expect(Array.from(w.grad!.data).every((g) => g === 0)).toBe(true);

    const seen: (Tensor | null)[] = [];
    squaredSum(linear(x, w, b)).backward(undefined, { onStep: (s) => s.op === 'linear' && seen.push(...s.downstream) });
    expect(seen[1]).not.toBeNull();
    expectClose(seen[1]!.data, expected);
    expectClose(w.grad!.data, expected);

    w.zeroGrad({ setToNone: false });
    detectAnomaly(() => squaredSum(linear(x, w, b)).backward());
    expectClose(w.grad!.data, expected);
  });

  it('a .grad that is a strided view is summed into a new tensor, not written through its strides', () => {
    const { x, w, b } = layer(60);
    squaredSum(linear(x, w, b)).backward();
    const expected = Array.from(w.grad!.data);
    const backing = randn([4, 3], { seed: 61 });
    const backingValues = Array.from(backing.data);
    w.grad = transpose(backing); // [3, 4], not row-major
    squaredSum(linear(x, w, b)).backward();
    expect(Array.from(backing.data)).toEqual(backingValues);
    const t = transpose(backing).toArray() as number[][];
    expectClose(w.grad.data, t.flat().map((v, i) => v + expected[i]!));
  });

  it('a leaf whose .grad is the seed gets the sum in a new tensor (the seed is still read afterwards)', () => {
    // Both operand orders: the engine reaches the two leaves in either order.
    for (const aFirst of [true, false]) {
      const a = tensor([1, 2], { requiresGrad: true });
      const c = tensor([5, 6], { requiresGrad: true });
      a.grad = tensor([1, 1]);
      (aFirst ? add(a, c) : add(c, a)).backward(a.grad);
      expect(a.grad.toArray()).toEqual([2, 2]);
      expect(c.grad!.toArray()).toEqual([1, 1]);
    }
  });
});

describe('kept .grad and PendingGradient on each kernel', () => {
  const initialKernel = gemmKernel().name;
  afterEach(() => setGemmKernel(initialKernel));

  // Defect: runBackward's `sources` guard (a .grad that is also the seed's storage is summed into a new
  // tensor) covers `collected` leaves only. A PendingGradient bound for a leaf whose kept .grad IS the
  // seed writes into the storage it reads as dy: the TS kernel computes garbage (the wasm kernel is
  // saved by its overlap check on one thread, not on two: see the race below). The old path (fresh dW,
  // then added) was correct.
  it('backward(W.grad) into a weight whose kept .grad is that seed: the sum, as with a fresh gradient (TS kernel)', () => {
    setGemmKernel('ts');
    const n = 8;
    const x = randn([n, n], { seed: 1 });
    const w = randn([n, n], { seed: 2, requiresGrad: true });
    linear(x, w).backward(randn([n, n], { seed: 3 }));
    const g1 = Float64Array.from(w.grad!.data);
    const fresh = randn([n, n], { seed: 2, requiresGrad: true });
    linear(x, fresh).backward(fromData(g1.slice(), [n, n]));
    const expected = g1.map((v, i) => v + fresh.grad!.data[i]!);
    linear(x, w).backward(w.grad!);
    expect(maxDiff(w.grad!.data, expected)).toBeLessThan(1e-9);
  });

  it('a kept, zeroed .grad gets bit-for-bit the gradient a fresh one gets (rows beyond one k-block)', () => {
    for (const kernel of ['ts', 'wasm'] as const) {
      setGemmKernel(kernel);
      const x = randn([600, 64], { seed: 4 });
      const run = (keep: boolean): Float64Array => {
        const w = randn([32, 64], { seed: 5, requiresGrad: true });
        sum(linear(x, w)).backward();
        w.zeroGrad({ setToNone: !keep });
        sum(linear(x, w)).backward();
        return Float64Array.from(w.grad!.data);
      };
      expect(run(true)).toEqual(run(false));
    }
  });

  // Defect: a kept, zeroed .grad that gets linear's dW AND another gradient in the same backward (an
  // L2 term on W, as in the lecture's loss, or W used by two linear ops) is summed in another order:
  // collected g_reg goes into .grad first, then the kernel accumulates dW block by block over k
  // (rows > 256), where the default loop adds g_reg to the finished dW. ~1/3 of the elements differ by
  // an ulp, so the two loops' trajectories drift apart. Fix: defer a PendingGradient only when it is
  // the leaf's sole gradient in this backward; otherwise toTensor() and sum as before.
  it('with an L2 term on W, the kept loop gets bit-for-bit the default loop gradient', () => {
    for (const kernel of ['ts', 'wasm'] as const) {
      setGemmKernel(kernel);
      const x = randn([300, 64], { seed: 15 });
      const run = (keep: boolean): Float64Array => {
        const w = randn([32, 64], { seed: 16, requiresGrad: true });
        const loss = () => add(sum(relu(linear(x, w))), mul(sum(mul(w, w)), 0.5));
        loss().backward();
        w.zeroGrad({ setToNone: !keep });
        loss().backward();
        return Float64Array.from(w.grad!.data);
      };
      expect(run(true)).toEqual(run(false));
    }
  });

  // Not bit-identical to the old path when gradients accumulate (no zeroGrad between backward calls):
  // the kernel adds each k-block of dyᵀx into .grad in turn, where the old path added the finished
  // product. Rounding-level only (about a third of the elements differ by an ulp), as the docs say.
  it('accumulating two backward calls matches the old fresh-then-add path to rounding', () => {
    setGemmKernel('ts');
    const x1 = randn([600, 64], { seed: 6 });
    const x2 = randn([600, 64], { seed: 7 });
    const w = randn([32, 64], { seed: 8, requiresGrad: true });
    sum(linear(x1, w)).backward();
    const first = Float64Array.from(w.grad!.data);
    sum(linear(x2, w)).backward(); // adds into the kept .grad in place
    const v = randn([32, 64], { seed: 8, requiresGrad: true });
    sum(linear(x2, v)).backward(); // a fresh gradient
    const expected = first.map((g, i) => g + v.grad!.data[i]!);
    const scale = Math.max(...expected.map(Math.abs));
    expect(maxDiff(w.grad!.data, expected)).toBeLessThan(1e-14 * scale);
  });
});

describe('a training loop with kept gradients', () => {
  it('takes exactly the steps of the default loop', () => {
    const run = (keep: boolean): number[][] => {
      const model = new Sequential(new Linear(8, 6, { seed: 1 }), new ReLU(), new Linear(6, 3, { seed: 2 }));
      const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const x = randn([10, 8], { seed: 3 });
      const labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
      for (let step = 0; step < 5; step++) {
        opt.zeroGrad(keep ? { setToNone: false } : {});
        softmaxCrossEntropy(model.forward(x), labels).backward();
        opt.step();
      }
      return model.parameters().map((p) => Array.from(p.data));
    };
    expect(run(true)).toEqual(run(false));
  });

  it('with relu between the layers, every kept gradient matches centered differences', () => {
    const l1 = new Linear(4, 3, { seed: 7 });
    const x = randn([5, 4], { seed: 8 });
    const loss = (): Tensor => squaredSum(relu(l1.forward(x)));
    loss().backward();
    l1.zeroGrad({ setToNone: false });
    loss().backward();
    const h = 1e-6;
    const w = l1.weight;
    for (let i = 0; i < w.size; i++) {
      const at = (delta: number): number => {
        const values = Float64Array.from(w.data);
        values[i] += delta;
        const y = relu(linear(x, fromData(values, w.shape), l1.bias!.detach()));
        return y.data.reduce((s, v) => s + v * v, 0);
      };
      const numerical = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(w.grad!.data[i]! - numerical)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(numerical)));
    }
  });
});

describe("PyTorch's default zeroGrad() reuses a dropped gradient's storage only when nobody can hold it", () => {
  /** A layer big enough that its weight lives in the kernel's memory where the kernel has one. */
  const bigLayer = (): { layer: Linear; x: Tensor; labels: number[] } => ({
    layer: new Linear(96, 64, { seed: 11 }),
    x: randn([16, 96], { seed: 12 }),
    labels: Array.from({ length: 16 }, (_, i) => i % 10),
  });

  it('the default loop and the kept loop take the same 20 steps, bit for bit', () => {
    const run = (keep: boolean): number[][] => {
      const model = new Sequential(new Linear(96, 64, { seed: 1 }), new ReLU(), new Linear(64, 10, { seed: 2 }));
      const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const x = randn([16, 96], { seed: 3 });
      const labels = Array.from({ length: 16 }, (_, i) => (i * 7) % 10);
      for (let step = 0; step < 20; step++) {
        opt.zeroGrad(keep ? { setToNone: false } : {});
        softmaxCrossEntropy(model.forward(x), labels).backward();
        opt.step();
      }
      return model.parameters().map((p) => Array.from(p.data));
    };
    const kept = run(true);
    const dropped = run(false);
    for (let i = 0; i < kept.length; i++) expect(dropped[i]!.map((v, j) => Object.is(v, kept[i]![j]))).not.toContain(false);
  });

  it('a gradient never read by the user is rewritten in place by the next backward', () => {
    const { layer, x, labels } = bigLayer();
    const w = layer.weight;
    softmaxCrossEntropy(layer.forward(x), labels).backward();
    const storage = w._peekGrad()!.nd.data;
    layer.zeroGrad();
    expect(w._peekGrad()).toBeNull();
    softmaxCrossEntropy(layer.forward(x), labels).backward();
    expect(w._peekGrad()!.nd.data).toBe(storage);
  });

  it('a gradient the user read keeps its values: the next backward writes new storage', () => {
    const { layer, x, labels } = bigLayer();
    const w = layer.weight;
    softmaxCrossEntropy(layer.forward(x), labels).backward();
    const first = w.grad!; // handed out: it is the user's now
    const values = Array.from(first.data);
    layer.zeroGrad();
    softmaxCrossEntropy(layer.forward(mul(x, 2)), labels).backward();
    expect(w.grad).not.toBe(first);
    expect(w.grad!.nd.data).not.toBe(first.nd.data);
    expect(Array.from(first.data)).toEqual(values);
    expect(Array.from(w.grad!.data)).not.toEqual(values);
  });

  it('a .grad the user assigned is never reused', () => {
    const { layer, x, labels } = bigLayer();
    const w = layer.weight;
    const mine = fromData(new Float64Array(w.size).fill(5), w.shape);
    w.grad = mine;
    layer.zeroGrad();
    softmaxCrossEntropy(layer.forward(x), labels).backward();
    expect(w._peekGrad()!.nd.data).not.toBe(mine.nd.data);
    expect(Array.from(mine.data).every((v) => v === 5)).toBe(true);
  });

  it('the reused storage holds exactly the new gradient (checked against a fresh layer)', () => {
    const { layer, x, labels } = bigLayer();
    softmaxCrossEntropy(layer.forward(x), labels).backward();
    layer.zeroGrad();
    softmaxCrossEntropy(layer.forward(mul(x, -0.5)), labels).backward();
    const fresh = bigLayer().layer;
    softmaxCrossEntropy(fresh.forward(mul(x, -0.5)), labels).backward();
    expect(Array.from(layer.weight.grad!.data)).toEqual(Array.from(fresh.weight.grad!.data));
  });

  it('onStep and anomaly mode see the gradient as a tensor: it is not private and not reused', () => {
    const { layer, x, labels } = bigLayer();
    const w = layer.weight;
    const seen: Tensor[] = [];
    softmaxCrossEntropy(layer.forward(x), labels).backward(undefined, { onStep: (s) => seen.push(...s.downstream.filter((g): g is Tensor => g !== null)) });
    const storage = w._peekGrad()!.nd.data;
    expect(w._gradPrivate).toBe(false);
    layer.zeroGrad();
    expect(w._spareGrad).toBeNull();
    softmaxCrossEntropy(layer.forward(x), labels).backward();
    expect(w._peekGrad()!.nd.data).not.toBe(storage);
  });
});

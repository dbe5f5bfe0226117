import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, ValueError, randn, tensor, zeros } from '@tensorgrad/core';
import { gradcheck, sum, wasmKernelInfo } from '@tensorgrad/ops';
import { Dropout, Linear, Module, ReLU, Sequential, Sigmoid, Tanh } from '@tensorgrad/nn';

// Whether Linear's weights live in the WebAssembly kernel's memory (a SharedArrayBuffer).
const shared = wasmKernelInfo().available && typeof SharedArrayBuffer !== 'undefined';

function expectGradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const result = gradcheck(f, inputs);
  expect(result.checked).toBeGreaterThan(0);
  expect(result.ok, JSON.stringify(result.worst)).toBe(true);
}

describe('Linear', () => {
  it('holds weight [out, in] and bias [out], and computes y = x·Wᵀ + b', () => {
    const layer = new Linear(3, 2, { seed: 1 });
    expect(layer.weight.shape).toEqual([2, 3]);
    expect(layer.bias!.shape).toEqual([2]);
    expect(Array.from(layer.bias!.data)).toEqual([0, 0]);
    layer.loadStateDict({ weight: tensor([[1, 2, 3], [-1, 0, 2]]), bias: tensor([0.5, -1]) });
    const y = layer.forward(tensor([[1, 1, 1], [2, 0, -1]]));
    // Row 0: [1+2+3+0.5, -1+0+2-1] = [6.5, 0]; row 1: [2-3+0.5, -2-2-1] = [-0.5, -5].
    expect(y.toArray()).toEqual([[6.5, 0], [-0.5, -5]]);
    expect(layer.call(tensor([1, 1, 1])).toArray()).toEqual([6.5, 0]);
  });

  it('without bias has one parameter and computes x·Wᵀ', () => {
    const layer = new Linear(2, 2, { bias: false, seed: 3 });
    expect(layer.bias).toBeNull();
    expect(layer.namedParameters().map(([name]) => name)).toEqual(['weight']);
    layer.loadStateDict({ weight: tensor([[1, 2], [3, 4]]) });
    expect(layer.forward(tensor([[1, -1]])).toArray()).toEqual([[-1, -1]]);
  });

  it('initialises He/Kaiming normal, N(0, 2/in), reproducibly from a seed', () => {
    const a = new Linear(200, 500, { seed: 7 });
    const b = new Linear(200, 500, { seed: 7 });
    const c = new Linear(200, 500, { seed: 8 });
    expect(a.weight.data).toEqual(b.weight.data);
    expect(a.weight.data).not.toEqual(c.weight.data);
    const w = a.weight.data;
    let mean = 0;
    for (const v of w) mean += v / w.length;
    let variance = 0;
    for (const v of w) variance += (v - mean) ** 2 / w.length;
    // 100,000 samples: the sample std is within ~0.5% of sqrt(2/200) = 0.1 (3 sigma).
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(Math.sqrt(variance)).toBeGreaterThan(0.0985);
    expect(Math.sqrt(variance)).toBeLessThan(0.1015);
  });

  it('gives each parameter a gradient of its own shape, matching centered differences', () => {
    const layer = new Linear(4, 3, { seed: 2 });
    const x = randn([5, 4], { seed: 3, requiresGrad: true });
    sum(layer.forward(x)).backward();
    expect(layer.weight.grad!.shape).toEqual([3, 4]);
    expect(layer.bias!.grad!.shape).toEqual([3]);
    expect(x.grad!.shape).toEqual([5, 4]);
    // db = column sums of dy = 5 ones per column.
    expect(Array.from(layer.bias!.grad!.data)).toEqual([5, 5, 5]);
    const f = (input: Tensor, weight: Tensor, bias: Tensor): Tensor => {
      const l = new Linear(4, 3, { seed: 0 });
      l.weight = weight;
      l.bias = bias;
      return l.forward(input);
    };
    expectGradcheck(f, [randn([5, 4], { seed: 4 }), randn([3, 4], { seed: 5 }), randn([3], { seed: 6 })]);
    // A batch of batches: [2, 5, 4] -> [2, 5, 3].
    expectGradcheck(f, [randn([2, 5, 4], { seed: 7 }), randn([3, 4], { seed: 8 }), randn([3], { seed: 9 })]);
  });

  it('refuses inputs whose last dimension is not inFeatures, and bad sizes', () => {
    const layer = new Linear(3, 2, { seed: 1 });
    expect(() => layer.forward(tensor([[1, 2]]))).toThrow(ShapeError);
    expect(() => layer.forward(tensor([[1, 2]]))).toThrow(/^Linear: expected input \[\.\.\., 3\], got \[1, 2\]/);
    expect(() => new Linear(0, 2)).toThrow(ValueError);
    expect(() => new Linear(2, 1.5)).toThrow(/Linear: outFeatures must be a positive integer, got 1.5/);
    expect(() => new Linear(2, 3, 5 as never)).toThrow('Linear: options must be an object such as { bias: false, seed: 1 }, got 5');
    expect(() => new Linear(2, 3, { seed: '1' as never })).toThrow('Linear: seed must be an integer, got "1"');
  });

  // Sharp edge, now in the nn and ops READMEs: structuredClone (and postMessage) of a Float64Array over
  // a SharedArrayBuffer shares it. A snapshot of a weight is taken with slice().
  it.runIf(shared)('a Linear weight is snapshot by slice(); structuredClone of it shares the memory, as documented', () => {
    const layer = new Linear(3072, 100, { seed: 1 });
    const snapshot = layer.weight.data.slice();
    const shared = structuredClone(layer.weight.data);
    const before = snapshot[0];
    layer.weight.nd.data[0] = 123; // what an optimizer step does through mutate
    expect(snapshot[0]).toBe(before);
    expect(shared[0]).toBe(123);
  });
});

describe('activations', () => {
  const x = tensor([[-2, -0.5, 0.3], [1, 2.5, -1.5]]);
  it('ReLU, Sigmoid and Tanh compute their functions', () => {
    expect(new ReLU().forward(x).toArray()).toEqual([[0, 0, 0.3], [1, 2.5, 0]]);
    const s = new Sigmoid().forward(x).data;
    const t = new Tanh().forward(x).data;
    x.data.forEach((v, i) => {
      expect(s[i]).toBeCloseTo(1 / (1 + Math.exp(-v)), 15);
      expect(t[i]).toBeCloseTo(Math.tanh(v), 15);
    });
    // The lecture's sigmoid gate: s(1) = 0.7311, ds/dx = (1 - s) s = 0.1966.
    const one = tensor(1, { requiresGrad: true });
    const y = new Sigmoid().forward(one);
    y.backward();
    expect(y.item()).toBeCloseTo(0.7311, 4);
    expect(one.grad!.item()).toBeCloseTo(0.1966, 4);
  });

  it('have gradients matching centered differences (away from the ReLU kink)', () => {
    for (const layer of [new ReLU(), new Sigmoid(), new Tanh()]) expectGradcheck((v) => layer.forward(v), [x]);
  });
});

describe('Dropout', () => {
  it('in training zeroes about p of the entries and scales the rest by 1/(1-p); in eval it is the identity', () => {
    const x = randn([100, 100], { seed: 1, requiresGrad: true });
    const layer = new Dropout(0.25, { seed: 2 });
    const y = layer.forward(x);
    let zeros = 0;
    y.data.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(x.data[i]! / 0.75, 14);
    });
    // 10,000 Bernoulli(0.25) draws: 2500 ± 3 standard deviations (43 each).
    expect(Math.abs(zeros - 2500)).toBeLessThan(130);
    sum(y).backward();
    x.grad!.data.forEach((g, i) => expect(g).toBe(y.data[i] === 0 ? 0 : 1 / 0.75));
    expect(new Dropout(0.25, { seed: 2 }).forward(x).data).toEqual(y.data);
    layer.eval();
    expect(layer.forward(x)).toBe(x);
    expect(() => new Dropout(1.5)).toThrow('Dropout: p must be a probability in [0, 1], got 1.5');
    expect(() => new Dropout(NaN)).toThrow(ValueError);
    expect(String(new Sequential(new Dropout(0.1)))).toBe('Sequential(\n  (0): Dropout(p=0.1)\n)');
  });

  it('p = 1 (allowed, as in PyTorch) drops everything in training: zeros out, zero gradient; the identity in eval', () => {
    const x = randn([4, 5], { seed: 3, requiresGrad: true });
    const layer = new Dropout(1, { seed: 4 });
    const y = layer.forward(x);
    expect(Array.from(y.data, (v) => v + 0)).toEqual(new Array(20).fill(0));
    sum(y).backward();
    expect(Array.from(x.grad!.data)).toEqual(new Array(20).fill(0));
    layer.eval();
    expect(layer.forward(x)).toBe(x);
  });
});

describe('Module and Sequential', () => {
  class TwoLayer extends Module {
    fc1 = new Linear(2, 4, { seed: 1 });
    act = new ReLU();
    fc2 = new Linear(4, 3, { seed: 2 });
    scale = tensor([1, 2, 3], { requiresGrad: true });
    _cache: Tensor | null = zeros([3]);
    forward(x: Tensor): Tensor {
      return this.fc2.forward(this.act.forward(this.fc1.forward(x))).mul(this.scale);
    }
  }

  it('names parameters by dotted path in declaration order, PyTorch style', () => {
    const net = new TwoLayer();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const seq = new Sequential(new Linear(2, 4, { seed: 1 }), new ReLU(), new Linear(4, 3, { seed: 2 }));
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(seq.parameters().map((p) => p.shape)).toEqual([[4, 2], [4], [3, 4], [3]]);
    expect(seq.length).toBe(3);
    expect(seq.layers).toHaveLength(3);
    expect(seq.at(-1)).toBe(seq.layers[2]);
    expect(seq.at(3)).toBeUndefined();
    expect(String(seq)).toBe('Sequential(\n  (0): Linear(in=2, out=4, bias=true)\n  (1): ReLU()\n  (2): Linear(in=4, out=3, bias=true)\n)');
  });

  it('lists a shared parameter once, and walks arrays of modules', () => {
    class Tied extends Module {
      a = new Linear(3, 3, { seed: 1 });
      blocks = [new Linear(3, 3, { seed: 2 }), new Linear(3, 3, { seed: 3 })];
      constructor() {
        super();
        this.blocks[1]!.weight = this.a.weight;
      }
      forward(x: Tensor): Tensor {
        return this.blocks.reduce((h, m) => m.forward(h), this.a.forward(x));
      }
    }
    const net = new Tied();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias', 'blocks.0.weight', 'blocks.0.bias', 'blocks.1.bias']);
  });

  it('walks plain objects and Maps of modules, with dotted names, and survives a container that holds itself', () => {
    class Blocks extends Module {
      blocks = { a: new Linear(2, 2, { seed: 1 }), deep: { b: new Linear(2, 1, { seed: 2 }) } };
      heads = new Map<string, Module>([['out', new Linear(1, 1, { seed: 3 })]]);
      loop: unknown[] = [];
      constructor() {
        super();
        this.loop.push(this.loop, this);
      }
      forward(x: Tensor): Tensor {
        return this.heads.get('out')!.forward(this.blocks.deep.b.forward(this.blocks.a.forward(x)));
      }
    }
    const net = new Blocks();
    const names = ['blocks.a.weight', 'blocks.a.bias', 'blocks.deep.b.weight', 'blocks.deep.b.bias', 'heads.out.weight', 'heads.out.bias'];
    expect(net.namedParameters().map(([n]) => n)).toEqual(names);
    expect(Object.keys(net.stateDict())).toEqual(names);
    expect(net.modules()).toHaveLength(4);
    expect(String(net)).toContain('(blocks.deep.b): Linear(in=2, out=1, bias=true)');
    // The walked parameters are the ones forward uses: every one gets a gradient, and loading round-trips.
    sum(net.forward(randn([3, 2], { seed: 4 }))).backward();
    for (const p of net.parameters()) expect(p.grad!.shape).toEqual(p.shape);
    const copy = new Blocks();
    copy.loadStateDict(net.stateDict());
    const x = randn([3, 2], { seed: 5 });
    expect(copy.forward(x).data).toEqual(net.forward(x).data);
  });

  it('refuses container keys that would give two tensors one name (the state dict would mix them up)', () => {
    class Clash extends Module {
      p = new Map<unknown, Tensor>([[1, tensor([1], { requiresGrad: true })], ['1', tensor([2], { requiresGrad: true })]]);
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Clash().namedParameters()).toThrow(ValueError);
    expect(() => new Clash().stateDict()).toThrow("Module: two different tensors are both named 'p.1'");
    class Dotted extends Module {
      blocks = { 'a.b': tensor([1], { requiresGrad: true }), a: { b: tensor([2], { requiresGrad: true }) } };
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Dotted().parameters()).toThrow("Module: the key 'a.b' in 'blocks' cannot be part of a dotted parameter name");
    class ObjectKeys extends Module {
      m = new Map<object, Tensor>([[{}, tensor([1], { requiresGrad: true })]]);
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new ObjectKeys().parameters()).toThrow("Module: the key of type object in 'm' cannot be part");
    // Keys of entries that cannot hold a tensor are not names: a config with dotted keys is fine.
    class Configured extends Module {
      config = { 'lr.decay': 0.1, nested: { 'a.b': 'x' } };
      history = Array.from({ length: 1000 }, (_, i) => i);
      w = tensor([1], { requiresGrad: true });
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(new Configured().namedParameters().map(([n]) => n)).toEqual(['w']);
  });

  it('tensors that do not require grad are buffers: not parameters, but in the state dict', () => {
    class WithBuffer extends Module {
      fc = new Linear(2, 2, { seed: 1 });
      runningMean = zeros([2]);
      forward(x: Tensor): Tensor {
        return this.fc.forward(x).sub(this.runningMean);
      }
    }
    const net = new WithBuffer();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['fc.weight', 'fc.bias']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['runningMean']);
    expect(net.buffers()).toEqual([net.runningMean]);
    expect(Object.keys(net.stateDict())).toEqual(['runningMean', 'fc.weight', 'fc.bias']);
    const copy = new WithBuffer();
    copy.loadStateDict({ ...net.stateDict(), runningMean: tensor([1, 2]) });
    expect(Array.from(copy.runningMean.data)).toEqual([1, 2]);
    // Freezing a parameter makes it a buffer: the optimizer built from parameters() then leaves it alone.
    net.fc.bias!.requiresGrad = false;
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['runningMean', 'fc.bias']);
    expect(Object.keys(net.stateDict())).toEqual(['runningMean', 'fc.weight', 'fc.bias']);
  });

  it('sequential forward composes the layers, and every parameter gets a gradient of its shape', () => {
    const seq = new Sequential(new Linear(2, 4, { seed: 1 }), new Tanh(), new Linear(4, 3, { seed: 2 }));
    const x = randn([6, 2], { seed: 1 });
    const manual = (seq.at(2) as Linear).forward(new Tanh().forward((seq.at(0) as Linear).forward(x)));
    expect(seq.forward(x).data).toEqual(manual.data);
    sum(seq.forward(x)).backward();
    for (const p of seq.parameters()) expect(p.grad!.shape).toEqual(p.shape);
    seq.zeroGrad();
    for (const p of seq.parameters()) expect(p.grad).toBeNull();
  });

  it('train() and eval() set the mode on every submodule', () => {
    const net = new TwoLayer();
    expect(net.eval()).toBe(net);
    expect(net.modules().map((m) => m.training)).toEqual([false, false, false, false]);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('stateDict is a snapshot; loadStateDict copies values in and bumps versions', () => {
    const a = new TwoLayer();
    const state = a.stateDict();
    expect(Object.keys(state)).toEqual(['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(state['fc1.weight']).not.toBe(a.fc1.weight);
    expect(state['fc1.weight']!.requiresGrad).toBe(false);
    const b = new TwoLayer();
    b.loadStateDict({ ...state, 'fc1.weight': tensor([[9, 9], [9, 9], [9, 9], [9, 9]]) });
    expect(b.fc1.weight.data.every((v) => v === 9)).toBe(true);
    expect(b.fc1.weight.version).toBe(1);
    expect(b.fc1.weight.requiresGrad).toBe(true);
    b.loadStateDict(state);
    const x = randn([3, 2], { seed: 1 });
    expect(b.forward(x).data).toEqual(a.forward(x).data);
  });

  it('loadStateDict names a missing, an unexpected or a wrongly shaped key, and then writes nothing', () => {
    const net = new TwoLayer();
    const before = net.parameters().map((p) => p.data.slice());
    const state = net.stateDict();
    for (const p of Object.values(state)) p.mutate((d) => d.fill(5));
    const { 'fc2.bias': _dropped, ...missing } = state;
    expect(() => net.loadStateDict(missing)).toThrow(ValueError);
    expect(() => net.loadStateDict(missing)).toThrow(/^loadStateDict: missing key 'fc2.bias'/);
    expect(() => net.loadStateDict({ ...state, 'fc3.weight': zeros([1]) })).toThrow(/unexpected key 'fc3.weight'/);
    expect(() => net.loadStateDict({ ...state, 'fc2.bias': zeros([4]) })).toThrow(ShapeError);
    expect(() => net.loadStateDict({ ...state, 'fc2.bias': zeros([4]) })).toThrow("loadStateDict: key 'fc2.bias' has shape [4], but the parameter has shape [3]");
    net.parameters().forEach((p, i) => expect(p.data).toEqual(before[i]));
    expect(net.parameters().every((p) => p.version === 0)).toBe(true);
  });
});

// Bad input fails loudly and precisely, and corrupts nothing: each refusal is a typed error whose message
// starts with the op and names the shapes or values, and every tensor, parameter, gradient and optimizer
// state involved is exactly as it was before the call.
import { describe, expect, it } from 'vitest';
import {
  AnomalyError,
  GraphError,
  InPlaceError,
  ShapeError,
  Tensor,
  TensorgradError,
  ValueError,
  detectAnomaly,
  eye,
  fromData,
  full,
  isAnomalyEnabled,
  noGrad,
  ones,
  rand,
  randn,
  tensor,
  zeros,
} from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { Adam, Linear, ReLU, SGD, Sequential, mse, softmaxCrossEntropy, svmLoss } from '@tensorgrad/nn';

type ErrorClass = new (...args: any[]) => TensorgradError;

/** Runs `f`, expects a `type` error from `op` whose message matches every pattern; returns the message. */
function refuses(f: () => unknown, type: ErrorClass, op: string, ...patterns: (string | RegExp)[]): string {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${type.name} from ${op}`).toBeInstanceOf(type);
  const error = caught as TensorgradError;
  expect(error).toBeInstanceOf(TensorgradError);
  expect(error.op).toBe(op);
  expect(error.message.startsWith(`${op}: `), error.message).toBe(true);
  for (const p of patterns) {
    if (typeof p === 'string') expect(error.message).toContain(p);
    else expect(error.message).toMatch(p);
  }
  return error.message;
}

interface Snapshot {
  tensor: Tensor;
  data: number[];
  version: number;
  grad: number[] | null;
  gradTensor: Tensor | null;
  requiresGrad: boolean;
  node: unknown;
}

/** Everything a failed call must leave alone: values, version, gradient (object and values), graph. */
function snapshot(...tensors: Tensor[]): Snapshot[] {
  return tensors.map((t) => ({
    tensor: t,
    data: Array.from(t.data),
    version: t.version,
    grad: t.grad === null ? null : Array.from(t.grad.data),
    gradTensor: t.grad,
    requiresGrad: t.requiresGrad,
    node: t._node === null ? null : { ...t._node },
  }));
}

function expectUnchanged(before: Snapshot[]): void {
  for (const s of before) {
    const t = s.tensor;
    expect(Array.from(t.data)).toEqual(s.data);
    expect(t.version).toBe(s.version);
    expect(t.grad).toBe(s.gradTensor);
    expect(t.grad === null ? null : Array.from(t.grad.data)).toEqual(s.grad);
    expect(t.requiresGrad).toBe(s.requiresGrad);
    expect(t._node === null ? null : { ...t._node }).toEqual(s.node);
  }
}

/** A leaf that requires grad and already holds an accumulated gradient (so we can see it is untouched). */
function withGrad(values: number[][] | number[], name: string): Tensor {
  const t = tensor(values, { requiresGrad: true, name });
  ops.sum(ops.mul(t, 3)).backward();
  return t;
}

describe('shape mismatch in every binary op (functions and methods)', () => {
  const binary = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;

  it.each(binary)('%s: [2, 3] with [4] is a ShapeError naming both shapes and the clashing dimension', (name) => {
    const a = withGrad([[1, 2, 3], [4, 5, 6]], 'a');
    const b = withGrad([1, 2, 3, 4], 'b');
    const before = snapshot(a, b);
    const op = (ops as unknown as Record<string, (x: Tensor, y: Tensor) => Tensor>)[name]!;
    refuses(() => op(a, b), ShapeError, name, '[2, 3]', '[4]', 'cannot be broadcast', 'dimension -1 is 3 vs 4');
    refuses(() => (a as unknown as Record<string, (y: Tensor) => Tensor>)[name]!(b), ShapeError, name, '[2, 3] and [4]');
    // A trailing match with a clash further left: [2, 3] against [4, 3].
    refuses(() => op(a, ones([4, 3])), ShapeError, name, '[2, 3] and [4, 3]', 'dimension -2 is 2 vs 4');
    expectUnchanged(before);
  });

  it('a mismatch inside a bigger graph leaves the graph built so far usable', () => {
    const x = withGrad([1, 2], 'x');
    const h = ops.exp(x);
    const before = snapshot(x, h);
    refuses(() => ops.add(h, ones([3])), ShapeError, 'add', '[2] and [3]');
    expectUnchanged(before);
    x.zeroGrad();
    ops.sum(h).backward();
    expect(Array.from(x.grad!.data)).toEqual([Math.exp(1), Math.exp(2)]);
  });
});

describe('matmul, linear and the losses', () => {
  it('matmul names both shapes and the dimensions that disagree, for every rank combination', () => {
    const a = withGrad([[1, 2, 3], [4, 5, 6]], 'a');
    const b = withGrad([[1, 2, 3], [4, 5, 6]], 'b');
    const before = snapshot(a, b);
    refuses(() => ops.matmul(a, b), ShapeError, 'matmul', '[2, 3] and [2, 3] are not aligned', '3 (last dim of a) != 2');
    refuses(() => a.matmul(b), ShapeError, 'matmul', 'not aligned');
    refuses(() => ops.matmul(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, 'matmul', '[2] and [3]');
    refuses(() => ops.matmul(a, tensor([1, 2])), ShapeError, 'matmul', '[2, 3] and [2]', 'dim 0 of b');
    refuses(() => ops.matmul(zeros([2, 2, 3]), zeros([3, 3, 1])), ShapeError, 'matmul', 'batch dims [2] of a [2, 2, 3] and [3] of b [3, 3, 1] cannot be broadcast together');
    refuses(() => ops.matmul(tensor(2), a), ShapeError, 'matmul', 'at least one dimension');
    refuses(() => ops.matmul(a, [[1], [2], [3]] as unknown as Tensor), ValueError, 'matmul', 'expected a Tensor or a number, got an Array (wrap nested arrays with tensor(...))');
    expectUnchanged(before);
  });

  it('linear names the input, the weight and the bias', () => {
    const x = withGrad([[1, 2, 3]], 'x');
    const W = withGrad([[1, 2], [3, 4]], 'W');
    const bias = withGrad([1, 2, 3], 'bias');
    const before = snapshot(x, W, bias);
    refuses(() => ops.linear(x, W), ShapeError, 'linear', 'input [1, 3] does not end in', 'weight [2, 2]');
    refuses(() => ops.linear(tensor([[1, 2]]), W, bias), ShapeError, 'linear', 'bias must be [2]', 'got [3]');
    refuses(() => ops.linear(x, tensor([1, 2, 3])), ShapeError, 'linear', 'weight must be [out, in], got [3]');
    expectUnchanged(before);
  });

  it('nn.Linear names the expected features and the weight', () => {
    const layer = new Linear(3, 2, { seed: 1 });
    const before = snapshot(...layer.parameters());
    refuses(() => layer.forward(tensor([[1, 2]])), ShapeError, 'Linear', 'expected input [..., 3], got [1, 2]', 'weight is [2, 3]');
    refuses(() => layer.forward(tensor(1)), ShapeError, 'Linear', 'got []');
    expectUnchanged(before);
  });

  it('softmaxCrossEntropy and svmLoss check scores and the number of labels; mse wants equal shapes', () => {
    const z = withGrad([[1, 2, 3], [4, 5, 6]], 'z');
    const before = snapshot(z);
    for (const [loss, name] of [[softmaxCrossEntropy, 'softmaxCrossEntropy'], [svmLoss, 'svmLoss']] as const) {
      refuses(() => loss(z, [0, 1, 2]), ShapeError, name, 'got 3 labels for 2 rows');
      refuses(() => loss(tensor([1, 2, 3]), [0]), ShapeError, name, 'scores must be [N, C], got shape [3]');
      refuses(() => loss(zeros([0, 3]), []), ShapeError, name, '[0, 3] are empty');
      refuses(() => loss(z, tensor([[0], [1]])), ShapeError, name, 'labels must be 1-d', '[2, 1]');
    }
    // [N] against [N, 1] would broadcast to [N, N]: mse refuses instead of silently computing the wrong loss.
    refuses(() => mse(tensor([1, 2, 3]), tensor([[1], [2], [3]])), ShapeError, 'mse', 'input [3] and target [3, 1] must have the same shape');
    expectUnchanged(before);
  });
});

describe('labels out of range or not integers', () => {
  const z = () => withGrad([[1, 2, 3], [4, 5, 6]], 'z');
  it.each([
    ['softmaxCrossEntropy', softmaxCrossEntropy],
    ['svmLoss', svmLoss],
  ] as const)('%s names the label, its index and the class count', (name, loss) => {
    const scores = z();
    const before = snapshot(scores);
    refuses(() => loss(scores, [0, 3]), ValueError, name, 'label 3 at index 1 is out of range for 3 classes', '0 <= label < 3');
    refuses(() => loss(scores, [-1, 0]), ValueError, name, 'label -1 at index 0 is out of range');
    refuses(() => loss(scores, [0, 1.5]), ValueError, name, 'label 1.5 at index 1 is not an integer');
    refuses(() => loss(scores, [NaN, 0]), ValueError, name, 'label NaN at index 0 is not an integer');
    refuses(() => loss(scores, ['1', 0] as unknown as number[]), ValueError, name, 'label "1" at index 0 is not an integer');
    refuses(() => loss(scores, [0, '1'] as unknown as number[]), ValueError, name, 'label "1" at index 1 is not an integer');
    refuses(() => loss(scores, [0, null] as unknown as number[]), ValueError, name, 'label null at index 1 is not an integer');
    refuses(() => loss(scores, tensor([0, 2.5])), ValueError, name, 'label 2.5 at index 1');
    refuses(() => loss(scores, null as unknown as number[]), ValueError, name, 'labels must be an array');
    // A label equal to the class count is the classic off-by-one: refused, not read past the row.
    refuses(() => loss(scores, Int32Array.from([3, 0])), ValueError, name, 'label 3 at index 0');
    expectUnchanged(before);
  });

  it('gather refuses out-of-range and fractional indices', () => {
    const scores = z();
    const before = snapshot(scores);
    refuses(() => ops.gather(scores, [0, 3]), ValueError, 'gather', 'index 3 at position 1 is out of range [0, 3)', '[2, 3]');
    refuses(() => ops.gather(scores, [0.5, 1]), ValueError, 'gather', 'index 0.5 at position 0 is not an integer');
    refuses(() => ops.gather(scores, [0]), ShapeError, 'gather', 'indices of shape [1] do not match x of shape [2, 3]');
    expectUnchanged(before);
  });
});

describe('ragged or non-numeric nested arrays', () => {
  it('ragged arrays are ShapeErrors naming the index and the expected length', () => {
    refuses(() => tensor([[1, 2], [3]]), ShapeError, 'tensor', 'ragged', '1 entry at index [1], expected 2');
    refuses(() => tensor([[1, 2], 3] as never), ShapeError, 'tensor', 'a number at index [1] where an array of 2 was expected');
    refuses(() => tensor([1, [2]] as never), ShapeError, 'tensor', 'an array at index [1] where a number was expected');
    refuses(() => tensor([[[1], [2]], [[3], [4, 5]]]), ShapeError, 'tensor', 'at index [1, 1], expected 1');
  });

  it('non-numeric entries are ValueErrors naming the value and its index', () => {
    refuses(() => tensor([[1, 2], [3, '4']] as never), ValueError, 'tensor', 'non-numeric value "4" at index [1, 1]');
    refuses(() => tensor([1, null] as never), ValueError, 'tensor', 'non-numeric value null at index [1]');
    refuses(() => tensor([1, undefined] as never), ValueError, 'tensor', 'non-numeric value undefined at index [1]');
    refuses(() => tensor([true, false] as never), ValueError, 'tensor', 'of type boolean at index [0]');
    refuses(() => tensor([1n] as never), ValueError, 'tensor', 'of type bigint at index [0]');
    refuses(() => tensor([{}] as never), ValueError, 'tensor', 'of type object at index [0]');
    refuses(() => tensor('1,2' as never), ValueError, 'tensor', 'cannot make a tensor from string');
    refuses(() => tensor(null as never), ValueError, 'tensor', 'cannot make a tensor from null');
    refuses(() => tensor([1, 2, 3], { shape: [2, 2] }), ShapeError, 'tensor', '3 values cannot fill shape [2, 2]');
    refuses(() => fromData([1, 2] as never, [2]), ValueError, 'fromData', 'expected a Float64Array, got an Array');
    refuses(() => fromData(new Float32Array(2) as never, [2]), ValueError, 'fromData', 'got Float32Array');
  });
});

describe('NaN, negative, non-integer and infinite dimensions', () => {
  const bad = [NaN, -1, 1.5, Infinity, '2'] as const;
  const makers: [string, (shape: number[]) => unknown][] = [
    ['zeros', (s) => zeros(s)],
    ['ones', (s) => ones(s)],
    ['full', (s) => full(s, 7)],
    ['rand', (s) => rand(s, { seed: 1 })],
    ['randn', (s) => randn(s, { seed: 1 })],
    ['fromData', (s) => fromData(new Float64Array(2), s)],
    ['tensor', (s) => tensor([1, 2], { shape: s })],
    ['reshape', (s) => ops.reshape(tensor([1, 2]), s)],
    ['broadcastTo', (s) => ops.broadcastTo(tensor([1, 2]), s)],
  ];
  it.each(makers)('%s refuses each bad dimension with a ShapeError naming it and the shape', (op, make) => {
    for (const d of bad) {
      if (op === 'reshape' && d === -1) continue; // reshape's "infer this dimension"
      refuses(() => make([2, d as number]), ShapeError, op, `invalid dimension ${String(d)} in shape [2, ${String(d)}]`, 'non-negative integers');
    }
    refuses(() => make(3 as never), ShapeError, op, 'shape must be an array');
  });

  it('eye refuses bad sizes; reshape allows a single -1 only', () => {
    refuses(() => eye(-1), ShapeError, 'eye', 'invalid dimension -1');
    refuses(() => eye(2, 0.5), ShapeError, 'eye', 'invalid dimension 0.5');
    refuses(() => ops.reshape(ones([2, 3]), [-1, -1]), ShapeError, 'reshape', 'only one dimension can be -1');
    refuses(() => ops.reshape(ones([2, 3]), [4, -1]), ShapeError, 'reshape', 'cannot reshape a tensor of shape [2, 3] (6 elements) into [4, -1]');
  });

  it('a shape too large for memory is a ShapeError, not a RangeError from the allocator', () => {
    refuses(() => zeros([1e6, 1e6]), ShapeError, 'zeros', 'cannot allocate 1000000000000 float64 values (7.28 TiB) for shape [1000000, 1000000]');
    refuses(() => randn([1e5, 1e5, 10], { seed: 1 }), ShapeError, 'randn', 'cannot allocate');
  });
});

describe('axis out of range', () => {
  const x = () => withGrad([[1, 2, 3], [4, 5, 6]], 'x');
  const axisOps: [string, (t: Tensor, axis: number) => unknown][] = [
    ['sum', (t, a) => ops.sum(t, a)],
    ['mean', (t, a) => ops.mean(t, a)],
    ['max', (t, a) => ops.max(t, a)],
    ['min', (t, a) => ops.min(t, a)],
    ['softmax', (t, a) => ops.softmax(t, a)],
    ['logSoftmax', (t, a) => ops.logSoftmax(t, a)],
    ['squeeze', (t, a) => ops.squeeze(t, a)],
    ['gather', (t, a) => ops.gather(t, [0, 0], a)],
    ['concat', (t, a) => ops.concat([t, t], a)],
  ];
  it.each(axisOps)('%s: axes 2, -3 and 0.5 of a 2-d tensor are ShapeErrors naming the axis and the rank', (op, f) => {
    const t = x();
    const before = snapshot(t);
    refuses(() => f(t, 2), ShapeError, op, 'axis 2 is out of range for a tensor with 2 dimensions');
    refuses(() => f(t, -3), ShapeError, op, 'axis -3 is out of range');
    refuses(() => f(t, 0.5), ShapeError, op, 'axis must be an integer, got 0.5');
    refuses(() => f(t, NaN), ShapeError, op, 'axis must be an integer, got NaN');
    expectUnchanged(before);
  });

  it('expandDims and stack count the new axis; transpose wants a permutation; repeated axes are refused', () => {
    const t = x();
    const before = snapshot(t);
    refuses(() => ops.expandDims(t, 4), ShapeError, 'expandDims', 'axis 4 is out of range');
    refuses(() => ops.stack([t, t], 3), ShapeError, 'stack', 'axis 3 is out of range for a tensor with 3 dimensions');
    refuses(() => ops.transpose(t, [0, 0]), ShapeError, 'transpose', '[0, 0] is not a permutation', '[2, 3]');
    refuses(() => ops.transpose(t, [0, 2]), ShapeError, 'transpose', 'axis 2 is out of range');
    refuses(() => ops.sum(t, [1, -1]), ShapeError, 'sum', 'repeated axis in [1, -1]');
    refuses(() => ops.sum(t, '1' as never), ShapeError, 'sum', 'axis must be a number, a list of numbers or null, got string');
    refuses(() => ops.squeeze(t, 0), ShapeError, 'squeeze');
    // A list where one axis goes is named as a list, not as "axis 0,1 is out of range".
    refuses(() => ops.softmax(t, [0, 1] as never), ShapeError, 'softmax', 'a single axis is expected here, got the list [0, 1]');
    refuses(() => ops.sum(t, 1.5), ShapeError, 'sum', 'axis must be an integer, got 1.5');
    refuses(() => ops.sum(t, [0, '1'] as never), ShapeError, 'sum', 'axis must be an integer, got "1"');
    expectUnchanged(before);
  });
});

describe('backward misuse', () => {
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

  it('from a tensor that needs no grad', () => {
    refuses(() => ops.sum(tensor([1, 2])).backward(), GraphError, 'backward', 'does not require grad');
  });
});

describe('loadStateDict checks every key before writing any', () => {
  const model = () => new Sequential(new Linear(2, 3, { seed: 1 }), new ReLU(), new Linear(3, 2, { seed: 2 }));

  it('missing, unexpected, wrongly shaped (last key) and non-tensor values leave every parameter unchanged', () => {
    const net = model();
    const params = net.parameters();
    // Parameters that have been stepped, and hold a gradient that must survive too.
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
    ops.sum(net.forward(tensor([[1, -1]]))).backward();
    opt.step();
    ops.sum(net.forward(tensor([[2, 1]]))).backward();
    const state = model().stateDict();
    const before = snapshot(...params);

    const missing = { ...state };
    delete missing['2.bias'];
    refuses(() => net.loadStateDict(missing), ValueError, 'loadStateDict', "missing key '2.bias'");

    const extra = { ...state, '3.weight': ones([2, 2]) };
    refuses(() => net.loadStateDict(extra), ValueError, 'loadStateDict', "unexpected key '3.weight'");

    // The bad key is the last one: the first three must not have been written before it was found.
    const wrongShape = { ...state, '2.bias': ones([3]) };
    refuses(() => net.loadStateDict(wrongShape), ShapeError, 'loadStateDict', "key '2.bias' has shape [3], but the parameter has shape [2]");

    const notTensor = { ...state, '2.weight': [[1, 2, 3], [4, 5, 6]] as unknown as Tensor };
    refuses(() => net.loadStateDict(notTensor), ValueError, 'loadStateDict', "key '2.weight' holds object, not a Tensor");
    refuses(() => net.loadStateDict(null as never), ValueError, 'loadStateDict', 'got null');

    expectUnchanged(before);
    net.loadStateDict(state);
    for (const [name, p] of net.namedParameters()) expect(Array.from(p.data)).toEqual(Array.from(state[name]!.data));
    expect(params.every((p, i) => p.version === before[i]!.version + 1)).toBe(true);
  });
});

describe('refusals in the middle of training change nothing: a twin that never saw them stays identical', () => {
  it('SGD with momentum and Adam: bad loads, bad inputs, bad labels and bad backwards between steps', () => {
    const x = tensor([[1, -1], [0.5, 2], [-1, 0]]);
    const labels = [0, 1, 1];
    for (const makeOptimizer of [(p: Tensor[]) => new SGD(p, { lr: 0.1, momentum: 0.9 }), (p: Tensor[]) => new Adam(p, { lr: 0.01 })]) {
      const nets = [0, 1].map(() => new Sequential(new Linear(2, 3, { seed: 1 }), new ReLU(), new Linear(3, 2, { seed: 2 })));
      const opts = nets.map((n) => makeOptimizer(n.parameters()));
      const step = (i: number): void => {
        opts[i]!.zeroGrad();
        softmaxCrossEntropy(nets[i]!.forward(x), labels).backward();
        opts[i]!.step();
      };
      step(0);
      step(1);
      const [net] = nets as [Sequential];
      // Leave a gradient in place so the refusals below could corrupt it.
      softmaxCrossEntropy(net.forward(x), labels).backward();
      softmaxCrossEntropy(nets[1]!.forward(x), labels).backward();
      const before = snapshot(...net.parameters());
      const state = net.stateDict();
      refuses(() => net.loadStateDict({ ...state, '2.bias': ones([3]) }), ShapeError, 'loadStateDict');
      refuses(() => net.forward(tensor([[1, 2, 3]])), ShapeError, 'Linear');
      refuses(() => softmaxCrossEntropy(net.forward(x), [0, 1, 2]), ValueError, 'softmaxCrossEntropy');
      refuses(() => net.forward(x).backward(), GraphError, 'backward');
      const released = ops.sum(net.forward(x));
      released.backward();
      refuses(() => released.backward(), GraphError, 'backward');
      // That successful backward did accumulate (as it should); the twin does the same.
      ops.sum(nets[1]!.forward(x)).backward();
      expect(before.every((s) => s.tensor.version === s.version)).toBe(true);
      // Same gradients, then the same step (momentum / Adam moments included): identical parameters.
      opts[0]!.step();
      opts[1]!.step();
      step(0);
      step(1);
      const [a, b] = nets.map((n) => n.parameters().map((p) => Array.from(p.data)));
      expect(a).toEqual(b);
    }
  });
});

describe('optimizers refuse bad hyper-parameters and non-leaf tensors', () => {
  const p = () => tensor([1, 2], { requiresGrad: true, name: 'w' });
  it.each([
    ['SGD', (params: Tensor[], lr: number) => new SGD(params, { lr })],
    ['Adam', (params: Tensor[], lr: number) => new Adam(params, { lr })],
  ] as const)('%s', (name, make) => {
    const w = p();
    const before = snapshot(w);
    refuses(() => make([w], -0.1), ValueError, name, 'lr must be a finite number >= 0, got -0.1');
    refuses(() => make([w], NaN), ValueError, name, 'lr must be a finite number >= 0, got NaN');
    refuses(() => make([w], Infinity), ValueError, name, 'got Infinity');
    refuses(() => make([w, ops.mul(w, 2)], 0.1), ValueError, name, 'parameter 1 of shape [2] is not a leaf');
    refuses(() => make([w, [1, 2] as never], 0.1), ValueError, name, 'parameter 1 is not a Tensor');
    refuses(() => make([], 0.1), ValueError, name, 'empty parameter list');
    expectUnchanged(before);
  });

  it('SGD momentum and Adam betas out of range', () => {
    refuses(() => new SGD([p()], { momentum: -0.5 }), ValueError, 'SGD', 'momentum must be a finite number >= 0');
    refuses(() => new Adam([p()], { betas: [1, 0.999] }), ValueError, 'Adam', 'betas[0] must be a finite number in [0, 1), got 1');
    refuses(() => new Adam([p()], { eps: -1 }), ValueError, 'Adam', 'eps must be');
  });
});

describe('in-place writes: the version counter and PyTorch\'s rule, end to end', () => {
  it('an optimizer step between forward and backward is an InPlaceError naming linear and the weight', () => {
    const layer = new Linear(2, 1, { seed: 3 });
    const opt = new SGD(layer.parameters(), { lr: 0.1 });
    const x = tensor([[1, 2], [3, 4]]);
    // One ordinary step, so the parameters hold gradients.
    ops.sum(layer.forward(x)).backward();
    opt.step();
    expect(layer.weight.version).toBe(1);
    const loss = ops.sum(ops.square(layer.forward(x)));
    opt.step(); // updates W in place while the graph above still needs W's old values
    expect(layer.weight.version).toBe(2);
    const before = snapshot(layer.weight, layer.bias!);
    refuses(
      () => loss.backward(),
      InPlaceError,
      'linear',
      "a tensor 'weight' of shape [1, 2] saved for backward was modified in place (version 1 at forward, 2 now)",
    );
    // The refused backward accumulated nothing and released nothing: zeroing, recomputing works.
    expectUnchanged(before);
    opt.zeroGrad();
    ops.sum(ops.square(layer.forward(x))).backward();
    expect(layer.weight.grad!.shape).toEqual([1, 2]);
  });

  it('with retainGraph, a step between two backward passes is caught on the second one', () => {
    const layer = new Linear(3, 2, { seed: 4 });
    const opt = new SGD(layer.parameters(), { lr: 0.1 });
    const x = tensor([[1, 2, 3]]);
    const loss = softmaxCrossEntropy(ops.relu(layer.forward(x)), [1]);
    loss.backward(undefined, { retainGraph: true });
    const grads = layer.parameters().map((p) => Array.from(p.grad!.data));
    opt.step();
    refuses(() => loss.backward(), InPlaceError, 'linear', "a tensor 'weight' of shape [2, 3]", 'version 0 at forward, 1 now');
    // The first pass's gradients are untouched by the refused second one.
    expect(layer.parameters().map((p) => Array.from(p.grad!.data))).toEqual(grads);
  });

  it('Adam steps and loadStateDict bump the version too; so does a write that throws half-way', () => {
    const w = tensor([1, 2], { requiresGrad: true, name: 'w' });
    const y = ops.mul(w, w);
    const adam = new Adam([w], { lr: 0.1 });
    ops.sum(ops.mul(w, 1)).backward();
    adam.step();
    refuses(() => ops.sum(y).backward(), InPlaceError, 'mul', "a tensor 'w' of shape [2] saved for backward was modified in place (version 0 at forward, 1 now)");

    const model = new Sequential(new Linear(2, 2, { seed: 1 }));
    const saved = model.forward(tensor([[1, 1]]));
    model.loadStateDict(model.stateDict());
    refuses(() => ops.sum(saved).backward(), InPlaceError, 'linear', "a tensor 'weight' of shape [2, 2]");

    const c = tensor([1, 2], { name: 'c' });
    const z = ops.mul(c, tensor([3, 4], { requiresGrad: true }));
    expect(() =>
      c.mutate((d) => {
        d[0] = 99;
        throw new Error('write failed half-way');
      }),
    ).toThrow('write failed half-way');
    expect(c.version).toBe(1);
    refuses(() => ops.sum(z).backward(), InPlaceError, 'mul', "a tensor 'c' of shape [2]");
  });

  it('writing to a tensor that requires grad outside noGrad is refused before anything changes', () => {
    const w = tensor([1, 2], { requiresGrad: true, name: 'w' });
    const before = snapshot(w);
    refuses(() => w.mutate((d) => d.fill(0)), GraphError, 'mutate', "a tensor 'w' that requires grad cannot be modified in place while grad is enabled");
    expectUnchanged(before);
    noGrad(() => w.mutate((d) => d.fill(0)));
    expect(w.version).toBe(1);
  });
});

describe('anomaly mode names the first op that made a NaN or an Infinity', () => {
  it('log(0) is caught at log, not at the ops downstream of it', () => {
    const x = tensor([1, 0], { requiresGrad: true, name: 'x' });
    // Without anomaly mode the -Infinity flows on silently and the loss is just non-finite.
    expect(ops.sum(ops.mul(ops.log(x), 2)).item()).toBe(-Infinity);
    refuses(
      () => detectAnomaly(() => ops.sum(ops.mul(ops.log(x), 2))),
      AnomalyError,
      'log',
      'output holds -Infinity at flat index 1 (inputs [2]); every input was finite, so this op produced it',
    );
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('division by zero is caught at div, with both input shapes; 0/0 as NaN', () => {
    const a = tensor([[1, 2], [0, 4]], { name: 'a' });
    const b = tensor([1, 0], { name: 'b' });
    refuses(() => detectAnomaly(() => ops.div(a, b)), AnomalyError, 'div', 'output holds Infinity at flat index 1 (inputs [2, 2], [2])', 'every input was finite');
    refuses(() => detectAnomaly(() => ops.div(tensor([0]), 0)), AnomalyError, 'div', 'output holds NaN at flat index 0 (inputs [1], [])');
    refuses(() => detectAnomaly(() => ops.reciprocal(b)), AnomalyError, 'reciprocal', 'output holds Infinity at flat index 1');
  });

  it('names which input already held the non-finite value', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true, name: 'x' });
    const bias = tensor([0, Infinity], { name: 'bias' });
    refuses(() => detectAnomaly(() => ops.add(x, bias)), AnomalyError, 'add', "(inputs [2, 2], [2]); input 1 'bias' of shape [2] already held Infinity");
    refuses(() => detectAnomaly(() => ops.matmul(tensor([[NaN, 1]]), x)), AnomalyError, 'matmul', 'input 0 of shape [1, 2] already held NaN');
    // A loss fed NaN logits names itself and the logits.
    refuses(
      () => detectAnomaly(() => softmaxCrossEntropy(tensor([[NaN, 1], [0, 1]], { name: 'logits' }), [0, 1])),
      AnomalyError,
      'softmaxCrossEntropy',
      "input 0 'logits' of shape [2, 2] already held NaN",
    );
  });

  it('catches the first non-finite gradient of the backward pass, naming the op', () => {
    // sqrt at 0 is finite forward (0) but its derivative 1 / (2 sqrt x) is infinite there.
    const x = tensor([4, 0], { requiresGrad: true, name: 'x' });
    const before = snapshot(x);
    refuses(
      () => detectAnomaly(() => ops.sum(ops.sqrt(x)).backward()),
      AnomalyError,
      'sqrt',
      "backward's gradient for input 0 'x' of shape [2] holds Infinity at flat index 1 (inputs upstream gradient [2], [2]); the upstream gradient and the op's inputs were finite, so this op's backward produced it",
    );
    expectUnchanged(before);
  });

  it('a network: the first bad op inside a Linear -> ReLU -> Linear -> loss forward is the one named', () => {
    const net = new Sequential(new Linear(2, 3, { seed: 1 }), new ReLU(), new Linear(3, 2, { seed: 2 }));
    const x = tensor([[1, 2], [Infinity, 0]], { name: 'batch' });
    refuses(() => detectAnomaly(() => softmaxCrossEntropy(net.forward(x), [0, 1])), AnomalyError, 'linear', "input 0 'batch' of shape [2, 2] already held Infinity");
  });

  it('refuses a non-function', () => {
    refuses(() => detectAnomaly(3 as never), ValueError, 'detectAnomaly', 'expected a function');
    refuses(() => noGrad(null as never), ValueError, 'noGrad', 'expected a function');
  });
});

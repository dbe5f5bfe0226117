import { describe, expect, it } from 'vitest';
// The umbrella, so that nn's ops (the losses, linear via nn.Linear) are registered too.
import * as tg from 'tensorgrad';
import type { Tensor } from 'tensorgrad';
import { collectGraph, explainBackward, formatValue, traceBackward } from '@tensorgrad/viz';
import { GATES, gateInfo, isComposite } from '../packages/viz/src/gates.js';

const leaf = (values: tg.NestedArray, name?: string): Tensor => tg.tensor(values, { requiresGrad: true, name });
const m = (): Tensor => leaf([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]]);
const v = (): Tensor => leaf([0.4, -1.3, 2.2]);

/**
 * One call of every registered op on tensors that require grad: the test runs each and checks that the graph
 * records the names its GATES entry says (its own name, or for a composite the ops it is made of).
 */
const CALLS: Record<string, () => Tensor> = {
  add: () => tg.add(v(), v()),
  sub: () => tg.sub(v(), v()),
  mul: () => tg.mul(v(), v()),
  div: () => tg.div(v(), v()),
  maximum: () => tg.maximum(v(), leaf([0, 0, 0])),
  minimum: () => tg.minimum(v(), leaf([0, 0, 0])),
  where: () => tg.where(tg.tensor([1, 0, 1]), v(), v()),
  neg: () => tg.neg(v()),
  exp: () => tg.exp(v()),
  log: () => tg.log(leaf([1, 2, 3])),
  sqrt: () => tg.sqrt(leaf([1, 2, 3])),
  abs: () => tg.abs(v()),
  square: () => tg.square(v()),
  pow: () => tg.pow(leaf([1, 2, 3]), 3),
  reciprocal: () => tg.reciprocal(v()),
  sigmoid: () => tg.sigmoid(v()),
  tanh: () => tg.tanh(v()),
  relu: () => tg.relu(v()),
  sin: () => tg.sin(v()),
  cos: () => tg.cos(v()),
  clamp: () => tg.clamp(v(), -1, 1),
  clone: () => tg.clone(v()),
  sum: () => tg.sum(m(), 1),
  max: () => tg.max(m(), 1),
  logsumexp: () => tg.logsumexp(m(), 1),
  mean: () => tg.mean(m(), 1),
  min: () => tg.min(m(), 1),
  variance: () => tg.variance(m(), 1),
  std: () => tg.std(m(), 1),
  argmax: () => tg.argmax(m(), 1),
  argmin: () => tg.argmin(m(), 1),
  greater: () => tg.greater(m(), v()),
  greaterEqual: () => tg.greaterEqual(m(), 0),
  less: () => tg.less(v(), m()),
  lessEqual: () => tg.lessEqual(m(), m()),
  equal: () => tg.equal(m(), v()),
  notEqual: () => tg.notEqual(v(), 0.4),
  l2: () => tg.l2(v()),
  norm: () => tg.norm(v(), 1),
  matmul: () => tg.matmul(m(), v()),
  linear: () => tg.linear(m(), leaf([[1, 2, 3], [4, 5, 6]]), leaf([0.1, 0.2])),
  softmax: () => tg.softmax(m()),
  logSoftmax: () => tg.logSoftmax(m()),
  softmaxCrossEntropy: () => tg.softmaxCrossEntropy(m(), [2, 0]),
  svmLoss: () => tg.svmLoss(m(), [2, 0]),
  mse: () => tg.mse(v(), leaf([0, 1, 2])),
  reshape: () => tg.reshape(m(), [3, 2]),
  transpose: () => tg.transpose(m()),
  broadcastTo: () => tg.broadcastTo(v(), [2, 3]),
  expandDims: () => tg.expandDims(v(), 0),
  squeeze: () => tg.squeeze(leaf([[1, 2, 3]])),
  flatten: () => tg.flatten(m()),
  slice: () => tg.slice(m(), [null, [0, 2]]),
  concat: () => tg.concat([m(), m()]),
  stack: () => tg.stack([v(), v()]),
  gather: () => tg.gather(m(), [2, 0]),
  take: () => tg.take(m(), [1, 0, 1], 1),
  embedding: () => tg.embedding([1, 0, 1], m()),
  log1p: () => tg.log1p(leaf([1, 2, 3])),
  expm1: () => tg.expm1(v()),
  softplus: () => tg.softplus(v()),
  logSigmoid: () => tg.logSigmoid(v()),
  leakyRelu: () => tg.leakyRelu(v()),
  gelu: () => tg.gelu(v()),
  layerNorm: () => tg.layerNorm(m(), [3], v(), v()),
  cumsum: () => tg.cumsum(m(), 1),
  binaryCrossEntropyWithLogits: () => tg.binaryCrossEntropyWithLogits(m(), leaf([[1, 0, 0.5], [0, 1, 0.25]])),
  permute: () => tg.permute(m(), [1, 0]),
  view: () => tg.view(m(), [3, 2]),
  flip: () => tg.flip(m(), [1]),
  pad: () => tg.pad(m(), [1, 1]),
};

const recordedOps = (out: Tensor): string[] =>
  [...new Set(collectGraph(out).tensors.flatMap((t) => (t._node === null ? [] : [t._node.op])))].sort();

describe('viz GATES table', () => {
  it('has exactly one entry per registered op (ops and nn): an op added or removed without its gate fails here', () => {
    const ops = tg.registeredOps();
    const keys = Object.keys(GATES).sort();
    expect(ops.filter((op) => !keys.includes(op)), 'registered ops without a GATES entry').toEqual([]);
    expect(keys.filter((k) => !ops.includes(k)), 'GATES entries that are not registered ops').toEqual([]);
    expect(ops).toContain('linear');
    expect(ops).toContain('softmaxCrossEntropy');
  });

  it('each op records what its entry says: its own name, or for a composite the ops it is made of', () => {
    expect(Object.keys(CALLS).sort()).toEqual(Object.keys(GATES).sort());
    for (const [op, entry] of Object.entries(GATES)) {
      const recorded = recordedOps(CALLS[op]!());
      if (isComposite(entry)) {
        expect(recorded, op).toEqual([...entry.composite].sort());
        // A composite's parts are drawn by their own entries.
        for (const part of entry.composite) expect(isComposite(GATES[part]!), `${op} records ${part}`).toBe(false);
      } else {
        expect(recorded, op).toEqual([op]);
        // A drawn gate is explained by its local gradient or its rule, never by the vjp(...) fallback.
        expect(entry.local !== undefined || entry.rule !== undefined, op).toBe(true);
      }
    }
  });

  it('an op without an entry (a custom one) and a composite name are drawn with their name', () => {
    expect(gateInfo('myOp')).toEqual({ symbol: 'myOp' });
    expect(gateInfo('mean')).toEqual({ symbol: 'mean' });
    expect(gateInfo('toString')).toEqual({ symbol: 'toString' });
    expect(gateInfo('add').symbol).toBe('+');
  });

  it("explains nn.Linear's gate by its rules: dx = dy·W, dW = dyᵀ·x, db = dy summed over rows", () => {
    const layer = new tg.Linear(2, 1);
    tg.noGrad(() => {
      layer.weight.mutate((d) => d.set([3, -1]));
      layer.bias!.mutate((d) => d.set([0.5]));
    });
    layer.weight.name = 'W';
    layer.bias!.name = 'b';
    const x = leaf([[1, 2], [4, 1]], 'x');
    const loss = tg.sum(layer.forward(x)).named('L');
    const text = explainBackward(traceBackward(loss));
    expect(text).not.toContain('vjp(');
    // y = x·Wᵀ + b = [[1.5], [11.5]]; dL/dy = ones, so dx = ones·W, dW = onesᵀ·x = [5, 3], db = 2.
    expect(text).toContain('1. sum     L = sum(t1)');
    expect(text).toContain('2. linear  t1 = linear(x, W, b)');
    expect(text).toContain('x: [[1.00], [1.00]]·W = [[3.00, -1.00], [3.00, -1.00]]');
    expect(text).toContain('W: [[1.00], [1.00]]ᵀ·x = [[5.00, 3.00]]');
    expect(text).toContain('b: [[1.00], [1.00]] summed over rows = [2.00]');
  });

  it('tells the layers of a network apart: parameters that share a name get subscripts in forward order', () => {
    const net = new tg.Sequential(new tg.Linear(2, 2, { seed: 1 }), new tg.ReLU(), new tg.Linear(2, 1, { seed: 2 }));
    const x = tg.tensor([[1, -1]], { name: 'x' });
    const loss = tg.sum(net.forward(x)).named('L');
    const trace = traceBackward(loss);
    const text = explainBackward(trace);
    expect(text).toMatch(/linear +t\d = linear\(x, weight₁, bias₁\)/);
    expect(text).toMatch(/linear +t\d = linear\(t\d, weight₂, bias₂\)/);
    const [first, second] = net.parameters().filter((p) => p.name === 'weight');
    const grads = text.split('\n').at(-1)!;
    expect(grads).toContain(`weight₁ = ${formatValue(first!.grad!)}`);
    expect(grads).toContain(`weight₂ = ${formatValue(second!.grad!)}`);
    expect(collectGraph(loss).names.get(first!)).toBe('weight₁');
  });

  it("max's transcript splits the gradient at a tie, as its local text says", () => {
    const x = leaf([1, 3, 3], 'x');
    const text = explainBackward(traceBackward(tg.max(x).named('m')));
    expect(text).toContain('x: 1.00 × [0.00, 0.50, 0.50] [1 at the max else 0, 1/k each at a k-way tie] = [0.00, 0.50, 0.50]');
  });
});

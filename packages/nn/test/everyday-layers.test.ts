// The everyday modules of issue #15 item 3: LeakyReLU, GELU, Softplus (each the op of the same name), Flatten,
// Identity and Embedding: outputs, the shape of every gradient, gradcheck against centered differences in
// float64, names in the state dict, and refusals. Embedding against PyTorch 1.13 is in torch-nn.test.ts.
import { describe, expect, it } from 'vitest';
import { ValueError, fromData, randn, tensor, type Tensor } from '@tensorgrad/core';
import { gelu, gradcheck, leakyRelu, softplus, sum } from '@tensorgrad/ops';
import { Embedding, Flatten, GELU, Identity, LeakyReLU, Linear, Sequential, Softplus, embedding } from '@tensorgrad/nn';
import { refuses } from '../../../test/refusals.js';

describe('activation modules call their op with their settings', () => {
  const x = fromData(Float64Array.from([-3, -0.5, 0.25, 2, -1e-3, 40]), [2, 3]);
  it.each([
    ['LeakyReLU()', new LeakyReLU(), leakyRelu(x, 0.01)],
    ['LeakyReLU(0.2)', new LeakyReLU(0.2), leakyRelu(x, 0.2)],
    ['GELU()', new GELU(), gelu(x)],
    ["GELU({ approximate: 'tanh' })", new GELU({ approximate: 'tanh' }), gelu(x, 'tanh')],
    ['Softplus({ beta: 2, threshold: 10 })', new Softplus({ beta: 2, threshold: 10 }), softplus(x, 2, 10)],
  ] as const)('%s', (_name, module, want) => {
    expect(Array.from(module.forward(x).data)).toEqual(Array.from(want.data));
    expect(module.parameters()).toEqual([]);
  });

  it('in a Sequential: every parameter gradient has its shape; the input gradient passes gradcheck', () => {
    const net = new Sequential(new Linear(3, 4, { seed: 1 }), new GELU(), new Linear(4, 4, { seed: 2 }), new Softplus({ beta: 1.5 }), new Linear(4, 2, { seed: 3 }), new LeakyReLU(0.1));
    const input = randn([5, 3], { seed: 4 });
    sum(net.forward(input)).backward();
    for (const p of net.parameters()) expect(p.grad!.shape).toEqual(p.shape);
    const result = gradcheck((x: Tensor) => net.forward(x), [input]);
    expect(result.ok).toBe(true);
    expect(result.maxAbsError).toBeLessThan(1e-7);
  });

  it('refuses bad settings where the model is built', () => {
    refuses(() => new LeakyReLU(NaN), ValueError, 'LeakyReLU', 'negativeSlope must be a finite number, got NaN');
    refuses(() => new GELU({ approximate: 'erf' as 'none' }), ValueError, 'GELU', `approximate must be 'none' or 'tanh', got "erf"`);
    refuses(() => new Softplus({ beta: 0 }), ValueError, 'Softplus', 'beta must be a finite non-zero number, got 0');
    refuses(() => new Softplus({ betta: 2 } as never), ValueError, 'Softplus', "unknown option 'betta'");
  });
});

describe('Flatten and Identity', () => {
  it('Flatten merges startDim..endDim, by default all but the batch axis; the gradient has the input shape', () => {
    const x = randn([2, 3, 4, 5], { seed: 5, requiresGrad: true });
    expect(new Flatten().forward(x).shape).toEqual([2, 60]);
    expect(new Flatten(0).forward(x).shape).toEqual([120]);
    expect(new Flatten(1, 2).forward(x).shape).toEqual([2, 12, 5]);
    expect(new Flatten(-2).forward(x).shape).toEqual([2, 3, 20]);
    const y = new Flatten().forward(x);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    sum(y.mul(y)).backward();
    expect(x.grad!.shape).toEqual([2, 3, 4, 5]);
    expect(Array.from(x.grad!.data)).toEqual(Array.from(x.data, (v) => 2 * v));
    expect(String(new Flatten())).toBe('Flatten(startDim=1, endDim=-1)');
    refuses(() => new Flatten(1.5), ValueError, 'Flatten', 'startDim must be an integer, got 1.5');
  });

  it('Identity returns the same tensor', () => {
    const x = randn([2, 2], { seed: 6 });
    expect(new Identity().forward(x)).toBe(x);
  });
});

describe('Embedding', () => {
  it('looks rows up: the indices shape plus [embeddingDim]; weight named as in PyTorch', () => {
    const layer = new Embedding(5, 3, { seed: 7 });
    expect(layer.weight.shape).toEqual([5, 3]);
    expect(Object.keys(layer.stateDict())).toEqual(['weight']);
    const y = layer.forward(tensor([[4, 0], [1, 4]]));
    expect(y.shape).toEqual([2, 2, 3]);
    const w = layer.weight.toArray() as number[][];
    expect(y.toArray()).toEqual([[w[4], w[0]], [w[1], w[4]]]);
    expect(layer.forward([2]).toArray()).toEqual([w[2]]);
    expect(String(layer)).toBe('Embedding(5, 3)');
  });

  it('the padding row starts at zero and gets no gradient; a row used twice gets both', () => {
    const layer = new Embedding(4, 2, { paddingIdx: -1, seed: 8 });
    expect(layer.paddingIdx).toBe(3);
    expect(Array.from(layer.weight.data.slice(6))).toEqual([0, 0]);
    const y = layer.forward(Int32Array.from([3, 1, 1, 0]));
    y.backward(fromData(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [4, 2]));
    expect(layer.weight.grad!.toArray()).toEqual([[7, 8], [8, 10], [0, 0], [0, 0]]);
  });

  it('passes gradcheck with repeated indices (a padding row would not: its gradient is 0 by design, as in PyTorch)', () => {
    const w = randn([4, 3], { seed: 9, requiresGrad: true });
    const result = gradcheck((weight: Tensor) => embedding(tensor([[0, 2, 2], [3, 1, 0]]), weight), [w]);
    expect(result.ok).toBe(true);
    expect(result.maxAbsError).toBeLessThan(1e-8);
  });

  it('refuses an index out of range or not an integer, naming it; bad sizes and paddingIdx', () => {
    const layer = new Embedding(3, 2, { seed: 10 });
    refuses(() => layer.forward(tensor([0, 3])), ValueError, 'embedding', 'index 3 at position 1 is out of range for 3 embeddings (expected 0 <= index < 3)');
    refuses(() => layer.forward([0, -1]), ValueError, 'embedding', 'index -1 at position 1 is out of range');
    refuses(() => layer.forward(tensor([1.5])), ValueError, 'embedding', 'index 1.5 at position 0 is not an integer');
    refuses(() => layer.forward([[0, 1]] as never), ValueError, 'embedding', 'indices must be flat');
    refuses(() => layer.forward('0' as never), ValueError, 'embedding', 'indices must be a Tensor, an array or a typed array of integers, got "0"');
    refuses(() => new Embedding(0, 2), ValueError, 'Embedding', 'numEmbeddings must be a positive integer, got 0');
    refuses(() => new Embedding(3, 2, { paddingIdx: 3 }), ValueError, 'Embedding', 'paddingIdx must be an integer in [-3, 3) or null, got 3');
    expect(layer.weight.version).toBe(0);
  });
});

// The everyday modules of issue #15 item 3: LeakyReLU, GELU, Softplus (each the op of the same name), Flatten,
// Identity, LayerNorm and Embedding: outputs, the shape of every gradient, gradcheck against centered differences in
// float64, names in the state dict, and refusals. LayerNorm and Embedding against PyTorch 1.13
// are in torch-nn.test.ts.
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, fromData, randn, tensor, type Tensor } from '@tensorgrad/core';
import { gelu, gradcheck, leakyRelu, softplus, sum } from '@tensorgrad/ops';
import { Embedding, Flatten, GELU, Identity, LayerNorm, LeakyReLU, Linear, Sequential, Softplus, embedding } from '@tensorgrad/nn';
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

describe('LayerNorm', () => {
  it("has PyTorch's parameters: weight (ones) and bias (zeros) of the normalized shape, in the state dict under those names", () => {
    const layer = new LayerNorm([3, 4]);
    expect(layer.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([['weight', [3, 4]], ['bias', [3, 4]]]);
    expect(Array.from(layer.weight!.data)).toEqual(new Array(12).fill(1));
    expect(Array.from(layer.bias!.data)).toEqual(new Array(12).fill(0));
    expect(Object.keys(new Sequential(new Linear(2, 4, { seed: 1 }), new LayerNorm(4)).stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(new LayerNorm(5, { elementwiseAffine: false }).stateDict()).toEqual({});
    expect(String(new LayerNorm(4))).toBe('LayerNorm([4], eps=0.00001, elementwiseAffine=true)');
  });

  it('normalizes each lane to mean 0 and variance 1 (biased, eps 0); every gradient has its shape and passes gradcheck', () => {
    const layer = new LayerNorm(4, { eps: 0 });
    const x = randn([3, 4], { seed: 11, mean: 5, std: 3, requiresGrad: true });
    const y = layer.forward(x);
    for (let r = 0; r < 3; r++) {
      const lane = Array.from(y.data.slice(4 * r, 4 * r + 4));
      const mean = lane.reduce((a, b) => a + b) / 4;
      expect(Math.abs(mean)).toBeLessThan(1e-15);
      expect(lane.reduce((a, b) => a + (b - mean) ** 2, 0) / 4).toBeCloseTo(1, 14);
    }
    sum(y.mul(randn([3, 4], { seed: 12 }))).backward();
    expect(x.grad!.shape).toEqual([3, 4]);
    expect(layer.weight!.grad!.shape).toEqual([4]);
    expect(layer.bias!.grad!.shape).toEqual([4]);
    const withAffine = new LayerNorm([2, 3]);
    withAffine.loadStateDict({ weight: randn([2, 3], { seed: 13 }), bias: randn([2, 3], { seed: 14 }) });
    const result = gradcheck((input: Tensor) => withAffine.forward(input), [randn([2, 2, 3], { seed: 15 })]);
    expect(result.ok).toBe(true);
    expect(result.maxAbsError).toBeLessThan(1e-7);
  });

  it('refuses a bad normalizedShape or eps, and an input whose trailing axes differ', () => {
    refuses(() => new LayerNorm([]), ValueError, 'LayerNorm', 'normalizedShape must be a positive integer or a non-empty list of them');
    refuses(() => new LayerNorm(2.5), ValueError, 'LayerNorm', 'got 2.5');
    refuses(() => new LayerNorm(4, { eps: -1 }), ValueError, 'LayerNorm', 'eps must be a finite number >= 0, got -1');
    refuses(() => new LayerNorm(4).forward(randn([2, 3])), ShapeError, 'layerNorm', 'normalizedShape [4] must be the trailing dimensions of x, of shape [2, 3]');
  });
});

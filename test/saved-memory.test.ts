// savedMemory: the bytes each op's backward rule keeps alive, against counts made by hand.
import { describe, expect, it } from 'vitest';
import { ValueError, fromData, savedMemory, tensor, type Tensor } from '@tensorgrad/core';
import { add, matmul, mul, relu, sum, transpose } from '@tensorgrad/ops';
import { Linear, ReLU, Sequential, softmaxCrossEntropy } from '@tensorgrad/nn';

const ones = (shape: number[], requiresGrad = false): Tensor => fromData(new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape, { requiresGrad });

describe('savedMemory', () => {
  it("the 2-layer net: per op, per module, the total and the peak, as counted by hand", () => {
    // N = 4 samples, D = 3 inputs, H = 5 hidden, C = 2 classes; 8 bytes a value.
    const model = new Sequential(new Linear(3, 5, { seed: 1 }), new ReLU(), new Linear(5, 2, { seed: 2 }));
    const x = ones([4, 3]);
    const loss = softmaxCrossEntropy(model.forward(x), [0, 1, 1, 0]);
    const report = savedMemory(loss, { names: [['model', model], ...model.namedChildren()] });
    // Backward order: the loss keeps its softmax p [4, 2]; the second Linear its input h [4, 5], W2 [2, 5]
    // and b2 [2]; relu its input [4, 5]; the first Linear x [4, 3], W1 [5, 3] and b1 [5].
    expect(report.ops.map((o) => [o.op, o.bytes])).toEqual([
      ['softmaxCrossEntropy', 4 * 2 * 8],
      ['linear', (4 * 5 + 2 * 5 + 2) * 8],
      ['relu', 4 * 5 * 8],
      ['linear', (4 * 3 + 5 * 3 + 5) * 8],
    ]);
    expect(report.total).toBe(64 + 256 + 160 + 256);
    // Per module: the loss ran outside the model; the model's total is its three layers'.
    expect(report.scopes.map((s) => [s.name, s.bytes, s.ops])).toEqual([
      ['model', 256 + 160 + 256, 0],
      ['0', 256, 1],
      ['1', 160, 1],
      ['2', 256, 1],
    ]);
    expect(report.ops[0]!.scope).toBeNull();
    expect(report.ops[2]!.scope).toBe(model.at(1));
    // Peak: all saved (736) plus the gradients alive at the worst step: relu's (or linear1's) step holds
    // W2's 80, b2's 16, h's 160 and relu's input's 160 bytes of gradient: 416.
    expect(report.peak).toBe(736 + 416);
  });

  it('100×4096 ReLU: relu keeps its input, 3,276,800 bytes', () => {
    const x = ones([100, 4096], true);
    const report = savedMemory(sum(relu(x)));
    expect(report.ops.map((o) => [o.op, o.bytes])).toEqual([
      ['sum', 0],
      ['relu', 100 * 4096 * 8],
    ]);
    expect(report.total).toBe(3_276_800);
    // Peak: saved + the gradients at relu's step: its output's and x's, 3,276,800 bytes each (the seed's
    // 8 bytes were freed once sum's rule ran; at sum's step only 8 + 3,276,800 were alive).
    expect(report.peak).toBe(3_276_800 + 2 * 3_276_800);
  });

  it('storage shared between views and between ops is counted once', () => {
    const W = ones([3, 4], true);
    const x = ones([2, 4], true);
    // matmul saves x and Wᵀ (a view of W's storage); mul saves y twice; the total counts W, x, y once.
    const y = matmul(x, transpose(W));
    const z = add(mul(y, y), mul(W.data.length, 1));
    const report = savedMemory(sum(z));
    const byOp = new Map(report.ops.map((o) => [o.op, o.bytes]));
    expect(byOp.get('matmul')).toBe((2 * 4 + 3 * 4) * 8);
    expect(byOp.get('mul')).toBe(2 * 3 * 8);
    expect(report.total).toBe((2 * 4 + 3 * 4 + 2 * 3) * 8);
  });

  it('a leaf or a released graph keeps nothing; a non-tensor is refused', () => {
    expect(savedMemory(tensor([1, 2])).total).toBe(0);
    const x = tensor([1, 2], { requiresGrad: true });
    const y = sum(mul(x, x));
    expect(savedMemory(y).total).toBe(16);
    y.backward();
    expect(savedMemory(y).total).toBe(0);
    expect(() => savedMemory(3 as never)).toThrow(ValueError);
  });
});

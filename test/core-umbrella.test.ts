// The umbrella package as a user imports it: one name, the same classes as the packages underneath.
import { describe, expect, it } from 'vitest';
import * as core from '@tensorgrad/core';
import * as tg from 'tensorgrad';

describe("import { ... } from 'tensorgrad'", () => {
  it('re-exports the core and the ops, with the very same classes', () => {
    expect(tg.Tensor).toBe(core.Tensor);
    expect(tg.ShapeError).toBe(core.ShapeError);
    const W = tg.tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
    const x = tg.tensor([0.2, 0.4], { requiresGrad: true });
    const f = tg.matmul(W, x).l2();
    expect(f).toBeInstanceOf(core.Tensor);
    f.backward();
    // The lecture's example 4: df/dW = 2 q x^T, df/dx = 2 W^T q.
    const dW = W.grad!.toArray() as number[][];
    [[0.088, 0.176], [0.104, 0.208]].forEach((row, i) => row.forEach((v, j) => expect(dW[i]![j]).toBeCloseTo(v, 14)));
    const dx = x.grad!.toArray() as number[];
    [-0.112, 0.636].forEach((v, i) => expect(dx[i]).toBeCloseTo(v, 14));
  });
});

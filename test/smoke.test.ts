import { describe, expect, it } from 'vitest';
import { tensor } from '@tensorgrad/core';
import { matmul } from '@tensorgrad/ops';

describe('smoke', () => {
  it('l2 of Wx', () => {
    const W = tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
    const x = tensor([0.2, 0.4], { requiresGrad: true });
    const q = matmul(W, x);
    q.mul(q).sum().backward();
    expect(W.grad!.toArray()[0][0]).toBeCloseTo(0.088, 12);
  });
});

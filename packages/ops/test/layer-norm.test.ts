// layerNorm: the fused op against its composite ((x - mean) / sqrt(var + eps) · w + b from recorded ops),
// values and gradients; its refusals. (Against PyTorch: torch-ops.test.ts; gradient tables: the op table.)
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, fromData, tensor, type Tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { normal } from './op-table.js';

function composite(x: Tensor, axes: number[], w: Tensor, b: Tensor, eps: number): Tensor {
  const centered = ops.sub(x, ops.mean(x, axes, true));
  const v = ops.mean(ops.square(centered), axes, true);
  return ops.add(ops.mul(ops.div(centered, ops.sqrt(ops.add(v, eps))), w), b);
}

function grads(f: (x: Tensor, w: Tensor, b: Tensor) => Tensor, values: Tensor[], seed: Tensor): { y: Float64Array; g: Float64Array[] } {
  const leaves = values.map((t) => fromData(t.data.slice(), t.shape, { requiresGrad: true }));
  const y = f(leaves[0]!, leaves[1]!, leaves[2]!);
  y.backward(seed);
  return { y: y.data, g: leaves.map((t) => t.grad!.data) };
}

describe('layerNorm', () => {
  it('equals its composite, values and the gradients of x, weight and bias, to 1e-13', () => {
    const values = [normal([3, 2, 5]), normal([2, 5]), normal([2, 5])];
    const seed = normal([3, 2, 5]);
    const fused = grads((x, w, b) => ops.layerNorm(x, [2, 5], w, b, 1e-3), values, seed);
    const slow = grads((x, w, b) => composite(x, [1, 2], w, b, 1e-3), values, seed);
    const close = (a: Float64Array, b: Float64Array): void => a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-13 * (1 + Math.abs(b[i]!))));
    close(fused.y, slow.y);
    fused.g.forEach((g, i) => close(g, slow.g[i]!));
  });

  it('each lane has mean 0 and variance 1/(1 + eps/var) without weight and bias; a number is a one-axis shape', () => {
    const y = ops.layerNorm(tensor([[1, 2, 3, 4], [10, 10, 10, 14]]), 4, null, null, 0);
    const lanes = y.toArray() as number[][];
    for (const lane of lanes) {
      const m = lane.reduce((s, v) => s + v, 0) / 4;
      expect(Math.abs(m)).toBeLessThan(1e-15);
      expect(lane.reduce((s, v) => s + (v - m) ** 2, 0) / 4).toBeCloseTo(1, 14);
    }
    expect(ops.layerNorm(tensor([[5, 5]]), [2]).toArray()).toEqual([[0, 0]]);
  });

  it('a constant lane normalizes to 0 with a finite gradient (eps keeps σ > 0)', () => {
    const x = fromData(new Float64Array([3, 3, 3]), [3], { requiresGrad: true });
    ops.layerNorm(x, [3]).mul(tensor([1, 2, 3])).sum().backward();
    for (const v of x.grad!.data) expect(Number.isFinite(v)).toBe(true);
  });

  it('refuses a normalized shape that is not x\'s tail, affine parameters of another shape, a bad eps', () => {
    const x = normal([2, 3]);
    expect(() => ops.layerNorm(x, [2])).toThrow(ShapeError);
    expect(() => ops.layerNorm(x, [2])).toThrow(/^layerNorm: normalizedShape \[2\] must be the trailing dimensions of x, of shape \[2, 3\]$/);
    expect(() => ops.layerNorm(x, [])).toThrow(ShapeError);
    expect(() => ops.layerNorm(x, [3], normal([1, 3]))).toThrow(/^layerNorm: weight of shape \[1, 3\] must have the normalized shape \[3\]$/);
    expect(() => ops.layerNorm(x, [3], null, [1, 2, 3] as unknown as Tensor)).toThrow(ValueError);
    expect(() => ops.layerNorm(x, [3], null, null, -1)).toThrow(/^layerNorm: eps must be a non-negative finite number, got -1$/);
  });

  it('x.layerNorm([C], w, b) is the op', () => {
    const x = normal([2, 3]);
    const w = normal([3]);
    expect(x.layerNorm([3], w).toArray()).toEqual(ops.layerNorm(x, [3], w).toArray());
  });
});

// binaryCrossEntropyWithLogits: against PyTorch 1.13 (fixtures/torch-bce.json, written by
// fixtures/gen_torch_bce.py), at ±1000, with posWeight, weight and every reduction; its refusals.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, fromData, tensor, type Tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { binaryCrossEntropyWithLogits, type Reduction } from '@tensorgrad/nn';

type Nested = number | Nested[];
interface Case {
  name: string;
  reduction: Reduction;
  logits: number[][];
  targets: number[][];
  dy: Nested;
  loss: Nested;
  dlogits: number[][];
  dtargets: number[][];
  posWeight?: number[];
  dposWeight?: number[];
  weight?: number[][];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch-bce.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

function expectClose(got: Tensor, want: Nested, what: string): void {
  const w = [want].flat(3) as number[];
  expect(got.size, what).toBe(w.length);
  got.data.forEach((v, i) => {
    expect(Number.isFinite(v), `${what}[${i}] = ${v}`).toBe(true);
    expect(Math.abs(v - w[i]!), `${what}[${i}]: got ${v}, want ${w[i]}`).toBeLessThanOrEqual(1e-12 * Math.abs(w[i]!) + 1e-300);
  });
}

describe(`binaryCrossEntropyWithLogits against PyTorch ${fixture.torch} (float64)`, () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: loss and gradients to 1e-12 relative, all finite', (_name, c) => {
    const x = tensor(c.logits, { requiresGrad: true });
    const t = tensor(c.targets, { requiresGrad: true });
    const p = c.posWeight ? tensor(c.posWeight, { requiresGrad: true }) : undefined;
    const w = c.weight ? tensor(c.weight) : undefined;
    const loss = binaryCrossEntropyWithLogits(x, t, { reduction: c.reduction, posWeight: p, weight: w });
    expectClose(loss, c.loss, 'loss');
    loss.backward(typeof c.dy === 'number' ? undefined : tensor(c.dy as number[][]));
    if (typeof c.dy === 'number') {
      // PyTorch's seed for a 0-d loss was dy; ours is 1: scale.
      expectClose(x.grad!.mul(c.dy), c.dlogits, 'dlogits');
      expectClose(t.grad!.mul(c.dy), c.dtargets, 'dtargets');
      if (p) expectClose(p.grad!.mul(c.dy), c.dposWeight!, 'dposWeight');
    } else {
      expectClose(x.grad!, c.dlogits, 'dlogits');
      expectClose(t.grad!, c.dtargets, 'dtargets');
      if (p) expectClose(p.grad!, c.dposWeight!, 'dposWeight');
    }
  });
});

describe('binaryCrossEntropyWithLogits', () => {
  it('is the mean of -[t log σ(x) + (1 - t) log(1 - σ(x))] where that composite is finite', () => {
    const x = tensor([[0.3, -1.2, 2.5], [-0.7, 4, 0]]);
    const t = tensor([[1, 0, 0.3], [0.6, 1, 0]]);
    const s = ops.sigmoid(x);
    const composite = ops.neg(ops.mean(ops.add(ops.mul(t, ops.log(s)), ops.mul(ops.sub(1, t), ops.log(ops.sub(1, s))))));
    expect(binaryCrossEntropyWithLogits(x, t).item()).toBeCloseTo(composite.item(), 14);
  });

  it('at ±1000 the loss is 0 or 1000 and the gradient σ(x) - t, where the composite gives Infinity and NaN', () => {
    const x = tensor([1000, -1000, 1000, -1000], { requiresGrad: true });
    const t = tensor([1, 0, 0, 1]);
    const loss = binaryCrossEntropyWithLogits(x, t, { reduction: 'none' });
    expect(loss.toArray()).toEqual([0, 0, 1000, 1000]);
    loss.sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1, -1]);
    const s = ops.sigmoid(tensor([1000, -1000]));
    expect(ops.log(ops.sub(1, s)).data[0]).toBe(-Infinity);
  });

  it('posWeight p multiplies the positive term: with t = 1 the loss is p·softplus(-x); a number broadcasts', () => {
    const x = tensor([[0.5, -2]]);
    const l = binaryCrossEntropyWithLogits(x, tensor([[1, 1]]), { posWeight: tensor([3, 0.5]), reduction: 'none' });
    expect(l.data[0]).toBeCloseTo(3 * Math.log1p(Math.exp(-0.5)), 15);
    expect(l.data[1]).toBeCloseTo(0.5 * Math.log1p(Math.exp(2)), 15);
    const n = binaryCrossEntropyWithLogits(x, tensor([[1, 1]]), { posWeight: 2, reduction: 'sum' });
    expect(n.item()).toBeCloseTo(2 * (Math.log1p(Math.exp(-0.5)) + Math.log1p(Math.exp(2))), 14);
  });

  it('weight scales each loss, broadcast to the logits; sum and mean agree with none', () => {
    const x = tensor([[0.5, -2], [1, 3]]);
    const t = tensor([[1, 0], [0.5, 0]]);
    const w = tensor([[2], [0]]);
    const none = binaryCrossEntropyWithLogits(x, t, { weight: w, reduction: 'none' });
    const plain = binaryCrossEntropyWithLogits(x, t, { reduction: 'none' });
    expect(none.toArray()).toEqual([[2 * plain.data[0]!, 2 * plain.data[1]!], [0, 0]]);
    expect(binaryCrossEntropyWithLogits(x, t, { weight: w, reduction: 'sum' }).item()).toBeCloseTo(none.sum().item(), 15);
    expect(binaryCrossEntropyWithLogits(x, t, { weight: w }).item()).toBeCloseTo(none.mean().item(), 15);
  });

  it('refuses targets of another shape, a posWeight or weight that does not broadcast, bad options, empty logits', () => {
    const x = tensor([[0.5, -2, 1]]);
    expect(() => binaryCrossEntropyWithLogits(x, tensor([1, 0, 1]))).toThrow(ShapeError);
    expect(() => binaryCrossEntropyWithLogits(x, tensor([1, 0, 1]))).toThrow(/^binaryCrossEntropyWithLogits: logits \[1, 3\] and targets \[3\] must have the same shape$/);
    expect(() => binaryCrossEntropyWithLogits(x, tensor([[1, 0, 1]]), { posWeight: tensor([1, 2]) })).toThrow(
      /^binaryCrossEntropyWithLogits: posWeight of shape \[2\] does not broadcast to the logits' shape \[1, 3\]$/,
    );
    expect(() => binaryCrossEntropyWithLogits(x, tensor([[1, 0, 1]]), { weight: tensor([[1], [2]]) })).toThrow(ShapeError);
    expect(() => binaryCrossEntropyWithLogits(x, tensor([[1, 0, 1]]), { posWeight: NaN })).toThrow(/posWeight must be finite, got NaN/);
    expect(() => binaryCrossEntropyWithLogits(x, tensor([[1, 0, 1]]), { reduction: 'avg' as Reduction })).toThrow(ValueError);
    expect(() => binaryCrossEntropyWithLogits(x, tensor([[1, 0, 1]]), { pos_weight: 2 } as object)).toThrow(/posWeight/);
    expect(() => binaryCrossEntropyWithLogits(x, [[1, 0, 1]] as unknown as Tensor)).toThrow(ValueError);
    expect(() => binaryCrossEntropyWithLogits(fromData(new Float64Array(0), [0, 3]), fromData(new Float64Array(0), [0, 3]))).toThrow(/are empty/);
  });
});

// The gradient-check table: every registered op — from @tensorgrad/ops and from any other package the
// umbrella 'tensorgrad' loads (nn's fused losses, packages/nn/test/op-table.ts) — has at least one line,
// checked in float64 against centered differences. A new op without a line fails the coverage test below.
import { describe, expect, it } from 'vitest';
import { fromData, registeredOps } from 'tensorgrad';
import * as tg from 'tensorgrad';
import { gradcheck } from '@tensorgrad/ops';
import { normal } from '../packages/ops/test/op-table.js';
import { fullOpTable } from '../packages/nn/test/op-table.js';

describe('gradient-check table (float64 centered differences, eps 1e-6, atol 1e-5, rtol 1e-3)', () => {
  it.each(fullOpTable.map((line) => [line.op, line.note, line] as const))('%s (%s)', (_op, _note, line) => {
    const inputs = line.inputs();
    const result = gradcheck(line.f, inputs);
    expect(result.checked).toBe(inputs.reduce((n, t) => n + t.size, 0));
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
    expect(result.maxAbsError).toBeLessThan(1e-6);
  });

  it('every registered op has a line in the table', () => {
    const covered = new Set(fullOpTable.map((line) => line.op));
    const missing = registeredOps().filter((name) => !covered.has(name));
    expect(missing).toEqual([]);
    // And no line names an op that does not exist (a renamed op would leave a stale line behind).
    expect([...covered].filter((name) => !registeredOps().includes(name))).toEqual([]);
  });

  it('the table includes the ops of other packages loaded by tensorgrad (nn losses)', () => {
    expect(registeredOps()).toContain('softmaxCrossEntropy');
  });
});

describe('gradcheck itself', () => {
  it('fails on a wrong gradient and names the input and element', () => {
    // x * stopGradient(x) has derivative x, not 2x: gradcheck must notice.
    const x = fromData(new Float64Array([1, -2, 3]), [3], { name: 'x' });
    const result = gradcheck((t) => tg.mul(t, t.detach()).sum(), [x]);
    expect(result.ok).toBe(false);
    expect(result.worst).toMatchObject({ input: 0, name: 'x', index: 2, direction: null });
    expect(result.worst!.analytic).toBeCloseTo(3, 9);
    expect(result.worst!.numeric).toBeCloseTo(6, 6);
    expect(result.maxRelError).toBeCloseTo(0.5, 6);
  });

  it('checks random directions for large inputs (seeded, reproducible)', () => {
    const W = normal([40, 50]);
    const v = normal([50]);
    const a = gradcheck((w, x) => tg.l2(tg.matmul(w, x)), [W, v], { directions: 4 });
    const b = gradcheck((w, x) => tg.l2(tg.matmul(w, x)), [W, v], { directions: 4 });
    expect(a.ok).toBe(true);
    expect(a.checked).toBe(4 + 50);
    expect(a.maxAbsError).toBe(b.maxAbsError);
    const wrong = gradcheck((w, x) => tg.l2(tg.matmul(w, x.detach())), [W, v], { directions: 4, maxEntries: 10, wrt: [1] });
    expect(wrong.ok).toBe(false);
    expect(wrong.worst).toMatchObject({ input: 1, index: null, direction: expect.any(Number) });
  });

  it('leaves the caller tensors and their gradients untouched', () => {
    const x = fromData(new Float64Array([0.5, 1.5]), [2], { requiresGrad: true });
    const before = x.data.slice();
    const result = gradcheck((t) => tg.log(t).sum(), [x]);
    expect(result.ok).toBe(true);
    expect(x.grad).toBeNull();
    expect([...x.data]).toEqual([...before]);
  });
});

// The second-order column of the op table: every line of fullOpTable (packages/ops/test/op-table.ts and
// nn's lines) goes through gradgradcheck — the vector-Jacobian product (x, u) ↦ Jᵀu, computed with
// createGraph through the op's recorded rule, checked in float64 against centered differences with
// respect to x and u. Ops that are not twice differentiable everywhere are named below with the reason;
// their lines sample away from the kinks, where the second derivative exists (and is 0), so they are
// checked there all the same.
import { describe, expect, it } from 'vitest';
import { registeredOps } from 'tensorgrad';
import { gradgradcheck } from '@tensorgrad/ops';
import { fullOpTable } from '../packages/nn/test/op-table.js';

/** Registered ops without a second derivative everywhere, and why. */
export const notTwiceDifferentiable: Record<string, string> = {
  relu: 'kink at 0: the first derivative jumps from 0 to 1, the second is 0 elsewhere',
  leakyRelu: 'kink at 0: the first derivative jumps from the slope to 1, the second is 0 elsewhere',
  abs: 'kink at 0: the first derivative jumps from -1 to 1',
  clamp: 'kinks at the bounds: the first derivative jumps between 0 and 1',
  maximum: 'kink where a = b: the gradient switches operand',
  minimum: 'kink where a = b: the gradient switches operand',
  max: 'kink at a tie: the gradient switches entry',
  min: 'kink at a tie: the gradient switches entry',
  norm: 'ord 1 and Infinity have kinks (x = 0, ties of |x|); ord 2 is not differentiable at a zero lane',
  svmLoss: "kinks where a margin s_j - s_y + Δ is 0 (the hinge's corner)",
  argmax: 'outside the graph: piecewise constant, no gradient of any order',
  argmin: 'outside the graph: piecewise constant, no gradient of any order',
  greater: 'outside the graph: a 1/0 mask, no gradient of any order',
  greaterEqual: 'outside the graph: a 1/0 mask, no gradient of any order',
  less: 'outside the graph: a 1/0 mask, no gradient of any order',
  lessEqual: 'outside the graph: a 1/0 mask, no gradient of any order',
  equal: 'outside the graph: a 1/0 mask, no gradient of any order',
  notEqual: 'outside the graph: a 1/0 mask, no gradient of any order',
};

describe('second-order gradient table (gradgradcheck: float64 centered differences, eps 1e-6, atol 1e-5, rtol 1e-3)', () => {
  it.each(fullOpTable.map((line) => [line.op, line.note, line] as const))('%s (%s)', (op, _note, line) => {
    const inputs = line.inputs();
    const result = gradgradcheck(line.f, inputs);
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
    expect(result.maxAbsError).toBeLessThan(1e-6);
    // Every input and the cotangent u were compared entry by entry (the table's inputs are small).
    expect(result.checked).toBe(inputs.reduce((n, t) => n + t.size, 0) + line.f(...inputs).size);
    if (notTwiceDifferentiable[op] === undefined) expect(line.outsideGraph).toBeUndefined();
  });

  it('every registered op has a line, and every op named as not twice differentiable exists', () => {
    const covered = new Set(fullOpTable.map((line) => line.op));
    expect(registeredOps().filter((name) => !covered.has(name))).toEqual([]);
    expect(Object.keys(notTwiceDifferentiable).filter((name) => !registeredOps().includes(name))).toEqual([]);
  });
});

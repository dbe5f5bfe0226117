// The elementwise ops of PyTorch's everyday kit against PyTorch 1.13 itself: values and vector-Jacobian
// products in float64 from fixtures/torch-ops.json (written by fixtures/gen_torch_ops.py, committed: CI has
// no torch), at edge values (±1000, the softplus thresholds, 1e-300, 0) and random ones. Where PyTorch's own
// formula cancels (gelu's left tail) the fixture also holds mpmath's 50-digit values, and the op must meet those.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromData, type Tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { erf, erfc } from '../src/special.js';

interface Case {
  name: string;
  args: Record<string, number | string>;
  x: number[];
  dy: number[];
  y: number[];
  dx: number[];
  exact_y?: number[];
  exact_dx?: number[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch-ops.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

const calls: Record<string, (x: Tensor, args: Case['args']) => Tensor> = {
  log1p: (x) => ops.log1p(x),
  expm1: (x) => ops.expm1(x),
  softplus: (x, a) => ops.softplus(x, a.beta as number | undefined, a.threshold as number | undefined),
  logSigmoid: (x) => ops.logSigmoid(x),
  leakyRelu: (x, a) => ops.leakyRelu(x, a.negativeSlope as number | undefined),
  gelu: (x, a) => ops.gelu(x, a.approximate as 'none' | 'tanh' | undefined),
};

/** |got - want| ≤ rtol·|want| + atol[i], entry by entry, with the entry named on failure. */
function expectClose(got: ArrayLike<number>, want: readonly number[], rtol: number, atol: (i: number) => number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    expect(err, `${what}[${i}]: got ${got[i]}, want ${want[i]}`).toBeLessThanOrEqual(rtol * Math.abs(want[i]!) + atol(i));
  }
}

function run(c: Case): { y: Float64Array; dx: Float64Array } {
  const op = calls[c.name.split(' ')[0]!]!;
  const x = fromData(Float64Array.from(c.x), [c.x.length], { requiresGrad: true });
  const y = op(x, c.args);
  y.backward(fromData(Float64Array.from(c.dy), y.shape));
  return { y: y.data, dx: x.grad!.data };
}

describe(`elementwise ops against PyTorch ${fixture.torch} (float64)`, () => {
  const elementwise = fixture.cases.filter((c) => c.name !== 'erf' && c.name !== 'erfc');
  it.each(elementwise.map((c) => [c.name, c] as const))('%s: values and gradients to 1e-12 relative', (_name, c) => {
    const { y, dx } = run(c);
    // gelu: PyTorch's 1 + erf(x/√2) (and 1 + tanh) is off by up to an ulp of 1, times |x|/2, in the left tail.
    const tail = c.name.startsWith('gelu') ? (i: number) => 2.3e-16 * Math.abs(c.x[i]!) * (1 + Math.abs(c.dy[i]!)) : () => 0;
    expectClose(y, c.y, 1e-12, tail, 'y');
    expectClose(dx, c.dx, 1e-12, tail, 'dx');
    for (const v of [...y, ...dx]) expect(Number.isFinite(v)).toBe(true);
    if (c.exact_y) {
      expectClose(y, c.exact_y, 1e-13, () => 1e-300, 'y against mpmath');
      expectClose(dx, c.exact_dx!, 1e-13, () => 1e-300, 'dx against mpmath');
    }
  });

  it('erf (behind gelu) meets mpmath within 4 ulps and PyTorch to 1e-15', () => {
    const c = fixture.cases.find((k) => k.name === 'erf')!;
    const got = c.x.map(erf);
    expectClose(got, c.exact_y!, 4.5e-16, () => 0, 'erf against mpmath');
    expectClose(got, c.y, 1e-15, () => 0, 'erf against PyTorch');
  });

  it('erfc meets mpmath within 4 ulps from 2 up (its right tail down to 1e-318), and to 1e-13 below 2', () => {
    const c = fixture.cases.find((k) => k.name === 'erfc')!;
    const got = c.x.map(erfc);
    expectClose(got, c.exact_y!, 4.5e-16, (i) => (c.x[i]! < 2 ? 1e-13 * Math.abs(c.exact_y![i]!) : 1e-323), 'erfc against mpmath');
  });
});

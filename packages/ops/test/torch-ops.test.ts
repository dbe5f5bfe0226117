// The elementwise ops of PyTorch's everyday kit against PyTorch 1.13 itself: values and vector-Jacobian
// products in float64 from fixtures/torch-ops.json (written by fixtures/gen_torch_ops.py, committed: CI has
// no torch), at edge values (±1000, the softplus thresholds, 1e-300, 0) and random ones. Where PyTorch's own
// formula cancels (gelu's left tail) the fixture also holds mpmath's 50-digit values, and the op must meet those.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShapeError, fromData, type Tensor } from '@tensorgrad/core';
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

interface ShapeCase {
  name: string;
  args: Record<string, unknown>;
  shape: number[];
  x: number[];
  y: { shape: number[]; values: number[] }[];
  dy: number[][];
  dx: number[];
}

interface LayerNormCase {
  name: string;
  shape: number[];
  normalizedShape: number[];
  eps: number;
  x: number[];
  dy: number[];
  y: number[];
  dx: number[];
  weight?: number[];
  bias?: number[];
  dweight?: number[];
  dbias?: number[];
}

interface ViewCase {
  perm: number[];
  step: number;
  target: number[];
  strides: number[] | null;
  values: number[] | null;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch-ops.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
  shapeCases: ShapeCase[];
  viewCases: ViewCase[];
  layerNormCases: LayerNormCase[];
};

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

const shapeCalls: Record<string, (x: Tensor, a: Record<string, unknown>) => Tensor | Tensor[]> = {
  unsqueeze: (x, a) => ops.unsqueeze(x, a.axis as number),
  permute: (x, a) => ops.permute(x, a.axes as number[]),
  view: (x, a) => ops.view(x, a.shape as number[]),
  split: (x, a) => ops.split(x, a.sizeOrSections as number | number[], a.axis as number),
  chunk: (x, a) => ops.chunk(x, a.chunks as number, a.axis as number),
  flip: (x, a) => ops.flip(x, a.axes as number[]),
  pad: (x, a) => ops.pad(x, a.padding as number[], 'constant', a.value as number | undefined),
  cumsum: (x, a) => ops.cumsum(x, a.axis as number),
};

describe(`shape ops against PyTorch ${fixture.torch}`, () => {
  it.each(fixture.shapeCases.map((c) => [c.name, JSON.stringify(c.args), c] as const))('%s %s: shapes, values and gradient', (_name, _args, c) => {
    const x = fromData(Float64Array.from(c.x), c.shape, { requiresGrad: true });
    const out = shapeCalls[c.name]!(x, c.args);
    const pieces = Array.isArray(out) ? out : [out];
    expect(pieces.map((p) => p.shape)).toEqual(c.y.map((p) => p.shape));
    // cumsum adds in the same order as PyTorch's loop; the others only move values.
    pieces.forEach((p, k) => expectClose(p.data, c.y[k]!.values, c.name === 'cumsum' ? 1e-14 : 0, () => (c.name === 'cumsum' ? 1e-15 : 0), `piece ${k}`));
    // The gradient of all pieces at once: Σ_k <piece_k, dy_k>.
    const total = pieces.map((p, k) => ops.sum(ops.mul(p, fromData(Float64Array.from(c.dy[k]!), p.shape)))).reduce((a, b) => ops.add(a, b));
    total.backward();
    expectClose(x.grad!.data, c.dx, 1e-14, () => 1e-15, 'dx');
  });

  it.each(fixture.viewCases.map((c) => [JSON.stringify(c.perm), c.step, JSON.stringify(c.target), c] as const))(
    'view of arange(24) as [2, 3, 4], permuted %s, step %s on the last axis, as %s: a view where PyTorch gives one, with its strides',
    (_p, _s, _t, c) => {
      let base = ops.permute(ops.reshape(fromData(Float64Array.from({ length: 24 }, (_, i) => i), [24]), [2, 3, 4]), c.perm);
      if (c.step > 1) base = ops.slice(base, [null, null, [null, null, c.step]]);
      if (c.strides === null) {
        expect(() => ops.view(base, c.target)).toThrow(ShapeError);
        expect(() => ops.view(base, c.target)).toThrow(/^view: a tensor of shape .* cannot be viewed as .* without a copy/);
        return;
      }
      const v = ops.view(base, c.target);
      expect(v.nd.stride).toEqual(c.strides);
      expect([...v.data]).toEqual(c.values);
      expect(v.nd.data).toBe(base.nd.data);
    },
  );
});

describe(`layerNorm against PyTorch ${fixture.torch} (float64)`, () => {
  it.each(fixture.layerNormCases.map((c) => [c.name, c] as const))('%s: y and the gradients of x, weight and bias', (_name, c) => {
    const x = fromData(Float64Array.from(c.x), c.shape, { requiresGrad: true });
    const w = c.weight ? fromData(Float64Array.from(c.weight), c.normalizedShape, { requiresGrad: true }) : null;
    const b = c.bias ? fromData(Float64Array.from(c.bias), c.normalizedShape, { requiresGrad: true }) : null;
    const y = ops.layerNorm(x, c.normalizedShape, w, b, c.eps);
    // For values 1e6 + N(0, 1e-2), x - mean carries the rounding of x, 1e-10, against σ = 1e-2: both libraries
    // are within 1e-7 of the exact result (mpmath), so of each other. E[x²] - E[x]² would lose the variance.
    const rtol = c.name.includes('1e6') ? 2e-7 : 1e-12;
    expectClose(y.data, c.y, rtol, () => 1e-14, 'y');
    y.backward(fromData(Float64Array.from(c.dy), y.shape));
    expectClose(x.grad!.data, c.dx, rtol, () => 1e-13, 'dx');
    if (w) expectClose(w.grad!.data, c.dweight!, rtol, () => 1e-14, 'dweight');
    if (b) expectClose(b.grad!.data, c.dbias!, 1e-12, () => 1e-14, 'dbias');
  });
});

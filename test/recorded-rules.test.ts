// Every op's recorded rule (record's `double`, run by a { createGraph: true } pass) against its first-order
// rule: on every line of fullOpTable, the same inputs and the same random seed gradient, the two must give
// the same gradients to 1e-12 (relative above 1). gradgradcheck-table checks the recorded rules'
// derivatives against finite differences at 1e-5; this checks their values tightly. Then the edge values
// where a closed form written with recorded ops can diverge from a fused loop: lanes of -Infinity,
// +Infinity, zeros, empty tensors.
import { describe, expect, it } from 'vitest';
import { Random, Tensor, fromData, gradients, sizeOf } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import * as nn from '@tensorgrad/nn';
import { fullOpTable } from '../packages/nn/test/op-table.js';

/** |a - b| <= tol · max(1, |b|) entry by entry, with NaN, ±Infinity and the sign of zero matching exactly. */
function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (!Number.isFinite(b) || b === 0) {
      expect(Object.is(a, b) || (b === 0 && a === 0), `${what}, index ${i}: ${a} vs ${b}`).toBe(true);
      continue;
    }
    expect(Math.abs(a - b), `${what}, index ${i}: ${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
  }
}

/** The gradients of f at `values` for `seed`, by the first-order rules and by the recorded ones. */
function bothRules(f: (...x: Tensor[]) => Tensor, values: readonly Tensor[], seed: Float64Array | null): [(Tensor | null)[], (Tensor | null)[]] {
  const run = (createGraph: boolean): (Tensor | null)[] => {
    const inputs = values.map((t) => fromData(t.data.slice(), t.shape, { requiresGrad: true }));
    const y = f(...inputs);
    const s = seed === null ? undefined : fromData(seed, y.shape);
    return gradients(y, inputs, { seed: s, createGraph });
  };
  return [run(false), run(true)];
}

function compare(f: (...x: Tensor[]) => Tensor, values: readonly Tensor[], seed: Float64Array | null, tol = 1e-12): void {
  const [plain, recorded] = bothRules(f, values, seed);
  for (let i = 0; i < plain.length; i++) {
    const p = plain[i] ?? null;
    const r = recorded[i] ?? null;
    expect(r === null, `input ${i}: a gradient from one rule only`).toBe(p === null);
    if (p === null || r === null) continue;
    expect(r.shape, `input ${i}: shape`).toEqual(p.shape);
    expectSame(r.data, p.data, tol, `input ${i}`);
  }
}

const graphLines = fullOpTable.filter((line) => !line.outsideGraph);

describe('recorded rules give the first-order rules\' gradients (fullOpTable, 1e-12)', () => {
  it.each(graphLines.map((line) => [line.op, line.note, line] as const))('%s (%s)', (_op, _note, line) => {
    const values = line.inputs();
    const probe = line.f(...values.map((t) => fromData(t.data.slice(), t.shape)));
    const r = new Random(23);
    compare(line.f, values, Float64Array.from({ length: sizeOf(probe.shape) }, () => r.normal()));
  });
});

const I = Infinity;
const t = (values: number[], shape: number[]): Tensor => fromData(Float64Array.from(values), shape);

/** Edge inputs: [what, f, inputs]. The seed is 1, 1.5, 2, ... over the output. */
const edges: [string, (...x: Tensor[]) => Tensor, Tensor[]][] = [
  ['logsumexp, a lane of -Infinity', (x) => ops.logsumexp(x, -1), [t([-I, -I, 1, 2], [2, 2])]],
  ['logsumexp, every entry -Infinity', (x) => ops.logsumexp(x), [t([-I, -I, -I, -I], [2, 2])]],
  ['logsumexp, one -Infinity in a lane', (x) => ops.logsumexp(x, -1), [t([-I, 0, 1, 2], [2, 2])]],
  ['logsumexp, +Infinity (NaN in both)', (x) => ops.logsumexp(x, -1), [t([I, 0, 1, 2], [2, 2])]],
  ['logsumexp, keepDims over axis 0 with a -Infinity column', (x) => ops.logsumexp(x, 0, true), [t([-I, 1, -I, 2], [2, 2])]],
  ['softmax, a -Infinity entry', (x) => ops.softmax(x), [t([-I, 0, 1, 2], [2, 2])]],
  ['softmax, a lane of -Infinity', (x) => ops.softmax(x), [t([-I, -I, 1, 2], [2, 2])]],
  ['softmax, +Infinity', (x) => ops.softmax(x), [t([I, 0, 1, 2], [2, 2])]],
  ['logSoftmax, a -Infinity entry', (x) => ops.logSoftmax(x), [t([-I, 0, 1, 2], [2, 2])]],
  ['logSoftmax, a lane of -Infinity', (x) => ops.logSoftmax(x), [t([-I, -I, 1, 2], [2, 2])]],
  ['logSoftmax, +Infinity', (x) => ops.logSoftmax(x), [t([I, 0, 1, 2], [2, 2])]],
  ['max, a lane of -Infinity (tie)', (x) => ops.max(x, -1), [t([-I, -I, 1, 2], [2, 2])]],
  ['max, +Infinity', (x) => ops.max(x, -1), [t([I, 0, 1, 2], [2, 2])]],
  ['max, ties over all axes', (x) => ops.max(x), [t([1, 1, 1, 1], [2, 2])]],
  ['min, ties', (x) => ops.min(x, -1), [t([1, 1, 1, 2], [2, 2])]],
  ['max, NaN', (x) => ops.max(x, -1), [t([NaN, 1, 1, 2], [2, 2])]],
  ['norm ord 2, a zero lane', (x) => ops.norm(x, 2, -1), [t([0, 0, 3, 4], [2, 2])]],
  ['norm ord 2, all zero', (x) => ops.norm(x), [t([0, 0, 0, 0], [2, 2])]],
  ['norm ord 1, zeros', (x) => ops.norm(x, 1, -1), [t([0, 0, 3, -4], [2, 2])]],
  ['norm ord Infinity, a tie of |x|', (x) => ops.norm(x, I, -1), [t([3, -3, 0, 0], [2, 2])]],
  ['norm ord 2, 1e200 and 1e-200', (x) => ops.norm(x, 2, -1), [t([1e200, 1e200, 1e-200, 1e-200], [2, 2])]],
  ['l2 at 0', (x) => ops.l2(x), [t([0, 0], [2])]],
  ['sqrt at 0 and Infinity', (x) => ops.sqrt(x), [t([0, 1, I], [3])]],
  ['abs at ±0', (x) => ops.abs(x), [t([0, -0, 1, -1], [4])]],
  ['relu at ±0 and ±Infinity', (x) => ops.relu(x), [t([0, -0, 1, -1, I, -I], [6])]],
  ['leakyRelu at ±0 and ±Infinity', (x) => ops.leakyRelu(x, 0.1), [t([0, -0, 1, -1, I, -I], [6])]],
  ['clamp at its bounds', (x) => ops.clamp(x, -1, 1), [t([-1, 1, 0, 2, -2, I], [6])]],
  ['log at 0', (x) => ops.log(x), [t([0, 1, I], [3])]],
  ['reciprocal at ±0', (x) => ops.reciprocal(x), [t([0, -0, I, 2], [4])]],
  ['pow 0.5 at 0', (x) => ops.pow(x, 0.5), [t([0, 1], [2])]],
  ['pow 0 and 1', (x) => ops.add(ops.pow(x, 0), ops.pow(x, 1)), [t([0, 1, -2], [3])]],
  ['exp, expm1 at ±Infinity', (x) => ops.add(ops.exp(x), ops.expm1(x)), [t([-I, I, 800], [3])]],
  ['sigmoid, tanh at ±Infinity', (x) => ops.add(ops.sigmoid(x), ops.tanh(x)), [t([-I, I, -800, 800], [4])]],
  ['softplus at ±Infinity', (x) => ops.softplus(x), [t([-I, I, -800, 800], [4])]],
  ['logSigmoid at ±Infinity', (x) => ops.logSigmoid(x), [t([-I, I, -800, 800], [4])]],
  ['gelu at ±Infinity', (x) => ops.gelu(x), [t([-I, I, -50, 50], [4])]],
  ["gelu 'tanh' at ±Infinity", (x) => ops.gelu(x, 'tanh'), [t([-I, I, -50, 50], [4])]],
  ['div by ±0', (a, b) => ops.div(a, b), [t([1, 0, -1], [3]), t([0, 0, -0], [3])]],
  ['maximum and minimum, ties', (a, b) => ops.add(ops.maximum(a, b), ops.minimum(a, b)), [t([1, 2, 3], [3]), t([1, 0, 3], [3])]],
  ['std, a constant lane', (x) => ops.std(x, 1), [t([1, 1, 1, 2], [2, 2])]],
  ['layerNorm, a constant lane', (x) => ops.layerNorm(x, [2]), [t([1, 1, 1, 2], [2, 2])]],
  ['softmaxCrossEntropy, a -Infinity logit', (x) => nn.softmaxCrossEntropy(x, [1, 0]), [t([-I, 0, 1, 2], [2, 2])]],
  ['softmaxCrossEntropy, labelSmoothing, a -Infinity logit', (x) => nn.softmaxCrossEntropy(x, [1, 0], { labelSmoothing: 0.1 }), [t([-I, 0, 1, 2], [2, 2])]],
  ['binaryCrossEntropyWithLogits at ±Infinity', (x, y) => nn.binaryCrossEntropyWithLogits(x, y), [t([-I, I, 800, -800], [4]), t([0, 1, 0.5, 0.5], [4])]],
  ['matmul, 0·Infinity', (a, b) => ops.matmul(a, b), [t([I, 0], [1, 2]), t([0, 1], [2, 1])]],
  ['matmul, an empty inner axis', (a, b) => ops.matmul(a, b), [t([], [2, 0]), t([], [0, 3])]],
  ['linear, an empty batch', (x, w, b) => ops.linear(x, w, b), [t([], [0, 2]), t([1, 2, 3, 4], [2, 2]), t([1, 2], [2])]],
];

/** Ops on an empty [0, 3] input: every gradient is empty in both rules. */
const empties: [string, (x: Tensor) => Tensor][] = [
  ['exp', ops.exp], ['log', ops.log], ['sqrt', ops.sqrt], ['abs', ops.abs], ['pow', (x) => ops.pow(x, 2.5)], ['sigmoid', ops.sigmoid],
  ['relu', ops.relu], ['clamp', (x) => ops.clamp(x, 0, 1)], ['softplus', (x) => ops.softplus(x)], ['gelu', (x) => ops.gelu(x, 'tanh')],
  ['sum', (x) => ops.sum(x)], ['sum over axis 0', (x) => ops.sum(x, 0)], ['mean over axis 0', (x) => ops.mean(x, 0)],
  ['max over axis 1', (x) => ops.max(x, 1)], ['logsumexp over axis 0', (x) => ops.logsumexp(x, 0)], ['logsumexp over axis 1', (x) => ops.logsumexp(x, 1)],
  ['norm', (x) => ops.norm(x)], ['norm ord 1 over axis 0', (x) => ops.norm(x, 1, 0)], ['norm ord Infinity over axis 0', (x) => ops.norm(x, I, 0)],
  ['softmax', (x) => ops.softmax(x)], ['logSoftmax over axis 0', (x) => ops.logSoftmax(x, 0)], ['variance over axis 0', (x) => ops.variance(x, 0)],
  ['layerNorm', (x) => ops.layerNorm(x, [3])], ['cumsum', (x) => ops.cumsum(x, 0)], ['pad', (x) => ops.pad(x, [1, 1])], ['take', (x) => ops.take(x, [], 0)],
];

describe('recorded rules at edge values give the first-order rules\' gradients (NaN where both give NaN)', () => {
  it.each(edges)('%s', (_what, f, values) => {
    const probe = f(...values.map((v) => fromData(v.data.slice(), v.shape)));
    compare(f, values, Float64Array.from({ length: probe.size }, (_, i) => 1 + 0.5 * i));
  });

  it.each(empties)('%s of an empty [0, 3] tensor', (_what, f) => {
    const probe = f(t([], [0, 3]));
    compare(f, [t([], [0, 3])], probe.size === 0 ? new Float64Array(0) : Float64Array.from({ length: probe.size }, () => 1));
  });

  it('logsumexp: a lane of -Infinity gets gradient 0 from both rules, and its second derivative is 0, not NaN', () => {
    const x = t([-I, -I, 0, Math.log(3)], [2, 2]);
    const [plain, recorded] = bothRules((v) => ops.logsumexp(v, -1), [x], t([1, 1], [2]).data);
    // Row 2: softmax([0, ln 3]) = [1/4, 3/4].
    expect(plain[0]!.toArray()).toEqual([[0, 0], [0.25, 0.75]]);
    expect(recorded[0]!.toArray()).toEqual([[0, 0], [0.25, 0.75]]);
    const leaf = fromData(x.data.slice(), x.shape, { requiresGrad: true });
    const [g] = gradients(ops.logsumexp(leaf, -1), [leaf], { seed: t([1, 1], [2]), createGraph: true });
    const [h] = gradients(ops.sum(ops.square(g!)), [leaf]);
    // d/dx Σ p² = 2p ⊙ (p - Σ p²) per lane: [1/4, 3/4] gives 2·(1/4)(1/4 - 5/8), 2·(3/4)(3/4 - 5/8).
    expect(h!.toArray()).toEqual([[0, 0], [-0.1875, 0.1875]]);
  });

  it("gelu 'tanh' at ±Infinity: the slope is 0 and 1 in both rules", () => {
    const [plain, recorded] = bothRules((v) => ops.gelu(v, 'tanh'), [t([-I, I], [2])], t([1, 1], [2]).data);
    expect(plain[0]!.toArray()).toEqual([0, 1]);
    expect(recorded[0]!.toArray()).toEqual([0, 1]);
  });

  it('binaryCrossEntropyWithLogits: the targets\' gradient -x is +Infinity at x = -Infinity in both rules', () => {
    const [plain, recorded] = bothRules((x, y) => nn.binaryCrossEntropyWithLogits(x, y, { reduction: 'sum' }), [t([-I, 2], [2]), t([0, 0.5], [2])], null);
    expect(plain[1]!.toArray()).toEqual([I, -2]);
    expect(recorded[1]!.toArray()).toEqual([I, -2]);
  });
});

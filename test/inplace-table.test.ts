// In-place writes after the forward, over the op table, the ops' and nn's lines (a new op's line is covered
// automatically): for every line, the op's output and then each of its inputs is overwritten under noGrad between forward and
// backward. A backward rule that reads the overwritten values must have saved them, so the engine throws an
// InPlaceError; a rule that does not read them gives exactly the gradient of an untouched run. A silently
// different gradient fails.
import { describe, expect, it } from 'vitest';
import { InPlaceError, Random, Tensor, ValueError, fromData, noGrad, registeredOps, sizeOf } from '@tensorgrad/core';
import { fullOpTable } from '../packages/nn/test/op-table.js';

/** Runs f on fresh copies of `values`, lets `overwrite` write in place, backpropagates `seed`. */
function gradients(
  f: (...x: Tensor[]) => Tensor,
  values: readonly Tensor[],
  seed: Float64Array,
  overwrite: (output: Tensor, inputs: Tensor[]) => Tensor | null,
): Float64Array[] {
  const inputs = values.map((t) => fromData(t.data.slice(), t.shape, { requiresGrad: true }));
  const y = f(...inputs);
  const target = overwrite(y, inputs);
  // Values no op output or input has by chance: distinct, non-zero, of both signs.
  if (target !== null) noGrad(() => target.mutate((d) => d.forEach((_, i) => (d[i] = 3.25 - 1.5 * i))));
  y.backward(fromData(seed, y.shape));
  return inputs.map((t) => t.grad!.data.slice());
}

const graphLines = fullOpTable.filter((line) => !line.outsideGraph);

describe('in-place writes between forward and backward: an InPlaceError or the unchanged gradient', () => {
  it.each(graphLines.map((line) => [line.op, line.note, line] as const))('%s (%s)', (_op, _note, line) => {
    const values = line.inputs();
    const probe = line.f(...values.map((t) => fromData(t.data.slice(), t.shape)));
    const r = new Random(7);
    const seed = Float64Array.from({ length: sizeOf(probe.shape) }, () => r.normal());
    const expected = gradients(line.f, values, seed, () => null);
    const cases: [string, (y: Tensor, xs: Tensor[]) => Tensor][] = [
      ['output', (y) => y],
      ...values.map((_, i) => [`input ${i}`, (_y: Tensor, xs: Tensor[]) => xs[i]!] as [string, (y: Tensor, xs: Tensor[]) => Tensor]),
    ];
    for (const [what, pick] of cases) {
      let got: Float64Array[];
      try {
        got = gradients(line.f, values, seed, pick);
      } catch (e) {
        // A broadcast view (broadcastTo's output) cannot be written in place at all, as in PyTorch.
        if (e instanceof ValueError && e.op === 'mutate' && e.message.includes('is a broadcast view')) continue;
        expect(e, `${what} overwritten`).toBeInstanceOf(InPlaceError);
        continue;
      }
      expect(got, `${what} overwritten: the gradient changed silently`).toEqual(expected);
    }
  });

  it('runs a line of every registered op in the graph (nn\'s fused losses too)', () => {
    const run = new Set(graphLines.map((line) => line.op));
    const outsideGraph = new Set(fullOpTable.filter((line) => line.outsideGraph).map((line) => line.op));
    expect(registeredOps().filter((name) => !run.has(name) && !outsideGraph.has(name))).toEqual([]);
    expect([...run]).toEqual(expect.arrayContaining(['softmaxCrossEntropy', 'svmLoss', 'mse']));
  });

  it('the bug it was written for: logsumexp reads its output in backward', () => {
    const x = fromData(new Float64Array([1, 2, 3]), [3], { requiresGrad: true });
    const y = x.logsumexp();
    noGrad(() => y.mutate((d) => d.fill(100)));
    expect(() => y.backward()).toThrow(InPlaceError);
  });
});

// The second-order column of the in-place table (test/inplace-table.test.ts is the first-order one): for
// every line of fullOpTable, each input is overwritten under noGrad between the forward pass and a
// backward with { createGraph: true }. An op's recorded rule reads tensors as recorded ops (mul(dy, x)),
// so a write to one it reads would change the gradient and everything differentiated from it: the engine
// must throw an InPlaceError instead. Where the recorded rule does not read the input, the gradient and the
// second-order gradient through it are exactly those of an untouched run.
import { describe, expect, it } from 'vitest';
import { InPlaceError, Random, Tensor, ValueError, fromData, gradients, noGrad, sizeOf } from '@tensorgrad/core';
import { fullOpTable } from '../packages/nn/test/op-table.js';

interface Run {
  /** The gradient of each input (createGraph). */
  first: Float64Array[];
  /** The gradient of Σ_i ⟨grad_i, r_i⟩ with respect to each input (zeros where it does not depend on it). */
  second: Float64Array[];
}

/** What a case overwrites: an input (by index), the output, or nothing. */
type Target = number | 'output' | null;

/** The ops (by name) whose node has `t` among its inputs, in the graph behind `y`. */
function consumers(y: Tensor, t: Tensor): string[] {
  const names: string[] = [];
  const seen = new Set<Tensor>();
  const stack = [y];
  while (stack.length > 0) {
    const node = stack.pop()!._node;
    if (node === null) continue;
    if (node.inputs.includes(t)) names.push(node.op);
    for (const input of node.inputs) if (!seen.has(input)) seen.add(input), stack.push(input);
  }
  return names;
}

/**
 * Runs f on fresh copies of `values`, overwrites `target` in place, backpropagates `seed` with createGraph;
 * `onError` gets the ops that read the overwritten tensor directly, when the run throws.
 */
function run(f: (...x: Tensor[]) => Tensor, values: readonly Tensor[], seed: Float64Array, weights: readonly Float64Array[], target: Target, readers: string[] = []): Run {
  const inputs = values.map((t) => fromData(t.data.slice(), t.shape, { requiresGrad: true }));
  const y = f(...inputs);
  const written = target === null ? null : target === 'output' ? y : inputs[target]!;
  if (written !== null) {
    readers.push(...(written === y ? [y._node!.op] : consumers(y, written)));
    // Values no op input has by chance: distinct, non-zero, of both signs.
    noGrad(() => written.mutate((d) => d.forEach((_, i) => (d[i] = 3.25 - 1.5 * i))));
  }
  const grads = gradients(y, inputs, { seed: fromData(seed, y.shape), createGraph: true });
  let total: Tensor | null = null;
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g === null || !g.requiresGrad) continue;
    const term = g.mul(fromData(weights[i]!, g.shape)).sum();
    total = total === null ? term : total.add(term);
  }
  const second = total === null ? inputs.map(() => null) : gradients(total, inputs);
  return {
    first: grads.map((g, i) => (g === null ? new Float64Array(inputs[i]!.size) : g.data.slice())),
    second: second.map((g, i) => (g === null ? new Float64Array(inputs[i]!.size) : g.data.slice())),
  };
}

const graphLines = fullOpTable.filter((line) => !line.outsideGraph);

describe('in-place writes before a createGraph backward: an InPlaceError or the unchanged first and second derivatives', () => {
  it.each(graphLines.map((line) => [line.op, line.note, line] as const))('%s (%s)', (op, _note, line) => {
    const values = line.inputs();
    const probe = line.f(...values.map((t) => fromData(t.data.slice(), t.shape)));
    const r = new Random(11);
    const seed = Float64Array.from({ length: sizeOf(probe.shape) }, () => r.normal());
    const weights = values.map((t) => Float64Array.from({ length: t.size }, () => r.normal()));
    const expected = run(line.f, values, seed, weights, null);
    const targets: Target[] = ['output', ...values.map((_, i) => i)];
    for (const target of targets) {
      const what = target === 'output' ? 'output' : `input ${target}`;
      const readers: string[] = [];
      let got: Run;
      try {
        got = run(line.f, values, seed, weights, target, readers);
      } catch (e) {
        // A broadcast view (broadcastTo's output) cannot be written in place at all, as in PyTorch.
        if (e instanceof ValueError && e.op === 'mutate' && e.message.includes('is a broadcast view')) continue;
        expect(e, `${what} overwritten`).toBeInstanceOf(InPlaceError);
        // The op that read it: the line's op, or the op a composite line feeds the input through (mul(x, 2)).
        expect(readers, `${what} overwritten: the error names an op that reads it`).toContain((e as InPlaceError).op);
        if (readers.includes(op)) expect((e as InPlaceError).op).toBe(op);
        continue;
      }
      expect(got.first, `${what} overwritten: the gradient changed silently`).toEqual(expected.first);
      expect(got.second, `${what} overwritten: the second derivative changed silently`).toEqual(expected.second);
    }
  });
});

describe('what a recorded rule reads beyond saved (record\'s doubleSaved)', () => {
  it('softmaxCrossEntropy: logits written in place keep the plain gradient but refuse a createGraph pass', async () => {
    const { softmaxCrossEntropy } = await import('@tensorgrad/nn');
    const make = (): [Tensor, Tensor] => {
      const z = fromData(Float64Array.from([0.5, -1, 2, 0, 1, -0.5]), [2, 3], { requiresGrad: true });
      return [z, softmaxCrossEntropy(z, [2, 0])];
    };
    // The first-order rule reads the probabilities it kept, so the write does not change the gradient.
    const [z0, l0] = make();
    l0.backward();
    const [z1, l1] = make();
    noGrad(() => z1.mutate((d) => d.fill(7)));
    l1.backward();
    expect(z1.grad!.data).toEqual(z0.grad!.data);
    // The recorded rule recomputes softmax from the logits: with createGraph the write is refused, and
    // nothing changed (no .grad written, the graph still runs without createGraph).
    const [z2, l2] = make();
    noGrad(() => z2.mutate((d) => d.fill(7)));
    expect(() => l2.backward(undefined, { createGraph: true })).toThrow(InPlaceError);
    expect(() => l2.backward(undefined, { createGraph: true })).toThrow(/softmaxCrossEntropy: .*read by the op's recorded rule \(createGraph\) was modified in place \(version 0 at forward, 1 now\)/);
    expect(z2.grad).toBeNull();
    l2.backward();
    expect(z2.grad!.data).toEqual(z0.grad!.data);
  });

  it('mse lists input and target; a released graph no longer holds them', async () => {
    const { mse } = await import('@tensorgrad/nn');
    const a = fromData(Float64Array.from([1, 2]), [2], { requiresGrad: true });
    const b = fromData(Float64Array.from([0, 4]), [2]);
    const loss = mse(a, b);
    expect(loss._node!.doubleSaved.map((s) => s.tensor)).toEqual([a, b]);
    loss.backward();
    expect(loss._node!.doubleSaved).toEqual([]);
  });
});

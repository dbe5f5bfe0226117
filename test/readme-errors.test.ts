// The README's "What is refused, and how" table quotes a real message for each situation. Each row is
// reproduced here and compared with the message the code throws today, so the table cannot drift.
import { describe, expect, it } from 'vitest';
import {
  AnomalyError,
  GraphError,
  InPlaceError,
  ShapeError,
  TensorgradError,
  ValueError,
  detectAnomaly,
  linspace,
  noGrad,
  tensor,
  viewOf,
  zeros,
} from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { Adam, Embedding, Linear, ReLU, SGD, Sequential, mse, softmaxCrossEntropy } from '@tensorgrad/nn';
import { readmeTableRows } from './readme-table.js';

type ErrorClass = new (...args: never[]) => TensorgradError;

function net(): Sequential {
  return new Sequential(new Linear(2, 3, { seed: 1 }), new ReLU(), new Linear(3, 2, { seed: 2 }));
}

function stateWith(patch: (state: Record<string, ReturnType<typeof zeros>>) => void): Record<string, ReturnType<typeof zeros>> {
  const state: Record<string, ReturnType<typeof zeros>> = { ...net().stateDict() };
  patch(state);
  return state;
}

/** One thunk per row of the table, in the table's order, with the class the row names. */
const rows: [ErrorClass, () => unknown][] = [
  [ShapeError, () => ops.add(zeros([2, 3]), zeros([4]))],
  [ShapeError, () => ops.matmul(zeros([2, 3]), zeros([2, 3]))],
  [ShapeError, () => new Linear(3, 2).forward(zeros([1, 2]))],
  [ShapeError, () => softmaxCrossEntropy(zeros([2, 3]), [0, 1, 2])],
  [ShapeError, () => mse(zeros([3]), zeros([3, 1]))],
  [ShapeError, () => tensor([[1, 2], [3]] as never)],
  [ValueError, () => tensor([[1, 2], [3, '4']] as never)],
  [ValueError, () => ops.matmul(zeros([1, 1]), [[1]] as never)],
  [ValueError, () => linspace(0, NaN, 3)],
  [ShapeError, () => zeros([2, NaN])],
  [ShapeError, () => tensor(Array.from({ length: 10_000 }).reduce<unknown>((v) => [v], 1) as never)],
  [ShapeError, () => zeros([1e6, 1e6])],
  [ShapeError, () => ops.reshape(zeros([2, 3]), [4, -1])],
  [ShapeError, () => ops.sum(zeros([2, 3]), 2)],
  [ShapeError, () => ops.sum(zeros([2, 3]), 1.5)],
  [ShapeError, () => ops.softmax(zeros([2, 3]), [0, 1] as never)],
  [ValueError, () => new Adam([tensor([1], { requiresGrad: true })], { learningRate: 0.1 } as never)],
  // An async function is refused before it runs, with a message of its own; the row's message is the one
  // for a callback found to return a Promise once it has run.
  [GraphError, () => noGrad(() => Promise.resolve(1))],
  [ValueError, () => softmaxCrossEntropy(zeros([2, 3]), [0, 3])],
  [ValueError, () => softmaxCrossEntropy(zeros([2, 3]), [0, '1'] as never)],
  [ValueError, () => ops.gather(zeros([2, 3]), [0, 3], 1)],
  [ValueError, () => new Embedding(3, 2, { seed: 1 }).forward([0, 3])],
  [GraphError, () => ops.mul(tensor([1, 2], { requiresGrad: true }), 2).backward()],
  [ShapeError, () => ops.sum(tensor([1, 2], { requiresGrad: true })).backward([1, 1])],
  [ShapeError, () => ops.mul(tensor([1, 2], { requiresGrad: true }), 2).backward(zeros([2, 1]))],
  [ValueError, () => ops.sum(tensor([1, 2], { requiresGrad: true })).backward({ retainGraph: true } as never)],
  [
    GraphError,
    () => {
      const y = ops.sum(ops.mul(tensor([1, 2], { requiresGrad: true }), 2));
      y.backward();
      y.backward();
    },
  ],
  [GraphError, () => tensor(1).backward()],
  [ValueError, () => net().loadStateDict(stateWith((s) => delete s['2.bias']))],
  [ValueError, () => net().loadStateDict(stateWith((s) => (s.x = zeros([1]))))],
  [ShapeError, () => net().loadStateDict(stateWith((s) => (s['2.bias'] = zeros([3]))))],
  [
    ShapeError,
    () => {
      const w = tensor([[1, 2], [3, 4]], { requiresGrad: true, name: 'w' });
      w.grad = tensor([[1, 1], [1, 1]]);
      const opt = new Adam([w]);
      opt.step();
      const state = opt.stateDict();
      state.state['0']!.expAvg = tensor([1, 2]);
      new Adam([tensor([[1, 2], [3, 4]], { requiresGrad: true, name: 'w' })]).loadStateDict(state);
    },
  ],
  [ValueError, () => new SGD([tensor([1], { requiresGrad: true })], { lr: -0.1 })],
  [
    ShapeError,
    () => {
      const params = [tensor([1], { requiresGrad: true }), tensor([1, 2], { requiresGrad: true }), tensor([1, 2, 3], { requiresGrad: true, name: 'b' })];
      for (const p of params) p._setGrad(zeros(p.shape), false);
      params[2]!._setGrad(tensor([1, 2]), false); // .grad's setter would refuse it: a hand-made fault
      new Adam(params).step();
    },
  ],
  [ValueError, () => new SGD([tensor([1, 2], { requiresGrad: true, name: 'w' }), ops.mul(tensor([1, 2], { requiresGrad: true }), 2)])],
  [ValueError, () => viewOf(tensor([1, 2, 3], { name: 'x' }), [2, 3], [0, 1]).mutate((d) => d.fill(0))],
  [GraphError, () => tensor([1], { requiresGrad: true, name: 'w' }).mutate((d) => d.fill(0))],
  [
    InPlaceError,
    () => {
      const weight = tensor([[1, 2]], { requiresGrad: true, name: 'weight' });
      const loss = ops.sum(ops.matmul(tensor([[3, 4]]), ops.transpose(weight)));
      noGrad(() => weight.mutate((d) => d.fill(0)));
      loss.backward();
    },
  ],
  [AnomalyError, () => detectAnomaly(() => ops.log(tensor([1, 0])))],
  [AnomalyError, () => detectAnomaly(() => ops.add(zeros([2, 2]), tensor([0, Infinity], { name: 'bias' })))],
  [AnomalyError, () => detectAnomaly(() => ops.sum(ops.sqrt(tensor([1, 0], { requiresGrad: true, name: 'x' }))).backward())],
];

/** The table's rows: [error class, example message] from the README's Errors section. */
const readmeRows = (): [string, string][] => readmeTableRows('### What is refused, and how');

function thrown(f: () => unknown): TensorgradError {
  try {
    f();
  } catch (e) {
    return e as TensorgradError;
  }
  throw new Error('nothing thrown');
}

describe("the README's error table quotes the messages the code throws", () => {
  const table = readmeRows();
  it('has one reproduction per row', () => {
    expect(table.length).toBe(rows.length);
  });
  it.each(rows.map((row, i) => [i, ...row] as const))('row %i', (i, type, f) => {
    const error = thrown(f);
    const [typeName, message] = table[i]!;
    expect(error).toBeInstanceOf(type);
    expect(error.constructor.name).toBe(typeName);
    // A row may elide a long tail with "...": then the text before it must match.
    const ellipsis = message.indexOf('...)');
    if (ellipsis >= 0) expect(error.message.startsWith(message.slice(0, ellipsis))).toBe(true);
    else expect(error.message).toBe(message);
  });
});

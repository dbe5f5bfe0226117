// stateDict / loadStateDict: values read before any is written (a swap swaps), keys like '__proto__'
// are keys, and a refusal changes no value and no version counter.
import { describe, expect, it } from 'vitest';
import { ShapeError, type Tensor, TensorgradError, ValueError, ones, randn, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { Linear, Module, ReLU, SGD, Sequential } from '@tensorgrad/nn';
import { expectUnchanged, refuses, snapshot } from '../../../test/refusals.js';

class Pair extends Module {
  a = randn([2, 3], { seed: 1, requiresGrad: true });
  b = randn([2, 3], { seed: 2, requiresGrad: true });
  forward(x: Tensor): Tensor {
    return x;
  }
}

const values = (m: Module): number[][] => m.namedTensors().map(([, t]) => Array.from(t.data));
const versions = (m: Module): number[] => m.namedTensors().map(([, t]) => t.version);

function expectRefusal(m: Module, call: () => void, Class: typeof TensorgradError, message: RegExp): void {
  const before = [values(m), versions(m)];
  let caught: unknown;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(Class);
  expect((caught as TensorgradError).op).toBe('loadStateDict');
  expect((caught as Error).message).toMatch(message);
  expect([values(m), versions(m)]).toEqual(before);
}

describe('loadStateDict', () => {
  it('swaps: {a: m.b, b: m.a} reads both before writing either', () => {
    const m = new Pair();
    const [a, b] = [Array.from(m.a.data), Array.from(m.b.data)];
    m.loadStateDict({ a: m.b, b: m.a });
    expect(Array.from(m.a.data)).toEqual(b);
    expect(Array.from(m.b.data)).toEqual(a);
    expect(versions(m)).toEqual([1, 1]);
    // Also through views sharing the storage (detach) and a chain a <- b <- a.
    m.loadStateDict({ a: m.b.detach(), b: m.a.detach() });
    expect([Array.from(m.a.data), Array.from(m.b.data)]).toEqual([a, b]);
    // A value that is the parameter itself is a no-op on the values.
    m.loadStateDict({ a: m.a, b: m.b });
    expect([Array.from(m.a.data), Array.from(m.b.data)]).toEqual([a, b]);
  });

  it('reads each value once: a getter cannot pass the check with one tensor and be copied with another', () => {
    const m = new Pair();
    let reads = 0;
    const state = {
      get a() {
        reads++;
        return reads === 1 ? tensor([[1, 2, 3], [4, 5, 6]]) : tensor([1]);
      },
      b: tensor([[0, 0, 0], [0, 0, 0]]),
    };
    m.loadStateDict(state);
    expect(reads).toBe(1);
    expect(m.a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('refuses, changing nothing: missing, unexpected, wrong shape, not a Tensor, not an object', () => {
    const m = new Pair();
    expectRefusal(m, () => m.loadStateDict({ a: m.b }), ValueError, /missing key 'b'/);
    expectRefusal(m, () => m.loadStateDict({ a: m.b, b: m.a, c: m.a }), ValueError, /unexpected key 'c'/);
    expectRefusal(m, () => m.loadStateDict({ a: m.b, b: tensor([1, 2]) }), ShapeError, /key 'b' has shape \[2\], but the parameter has shape \[2, 3\]/);
    expectRefusal(m, () => m.loadStateDict({ a: m.b, b: [[1, 2, 3], [4, 5, 6]] as never }), ValueError, /key 'b' holds \[\[1, 2, 3\], \[4, 5, 6\]\], not a Tensor/);
    expectRefusal(m, () => m.loadStateDict(null as never), ValueError, /got null/);
    expectRefusal(m, () => m.loadStateDict([m.a, m.b] as never), ValueError, /got \[a Tensor, a Tensor\]/);
  });

  it('treats __proto__, constructor and prototype as keys: never read from the prototype, never dropped', () => {
    const m = new Pair();
    // An inherited 'a' is not a key.
    expectRefusal(m, () => m.loadStateDict(Object.create({ a: m.b, b: m.a }) as never), ValueError, /missing keys 'a', 'b'/);
    // An own '__proto__' key (as JSON.parse makes it) is an unexpected key, named.
    const parsed = JSON.parse('{"__proto__": 1, "constructor": 2, "prototype": 3}') as Record<string, Tensor>;
    Object.assign(parsed, { a: m.b, b: m.a });
    expectRefusal(m, () => m.loadStateDict(parsed), ValueError, /unexpected keys '__proto__', 'constructor', 'prototype'/);
  });

  it('stateDict returns an ordinary object of detached copies, every key an own property', () => {
    const lin = new Linear(2, 3, { seed: 1 });
    const state = lin.stateDict();
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.keys(state)).toEqual(['weight', 'bias']);
    expect(state.weight!.data).not.toBe(lin.weight.data);
    expect(state.weight!.data).toEqual(lin.weight.data);
  });
});

describe('loadStateDict checks every key before writing any', () => {
  const model = () => new Sequential(new Linear(2, 3, { seed: 1 }), new ReLU(), new Linear(3, 2, { seed: 2 }));

  it('missing, unexpected, wrongly shaped (last key) and non-tensor values leave every parameter unchanged', () => {
    const net = model();
    const params = net.parameters();
    // Parameters that have been stepped, and hold a gradient that must survive too.
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
    ops.sum(net.forward(tensor([[1, -1]]))).backward();
    opt.step();
    ops.sum(net.forward(tensor([[2, 1]]))).backward();
    const state = model().stateDict();
    const before = snapshot(...params);

    const missing = { ...state };
    delete missing['2.bias'];
    refuses(() => net.loadStateDict(missing), ValueError, 'loadStateDict', "missing key '2.bias'");

    const extra = { ...state, '3.weight': ones([2, 2]) };
    refuses(() => net.loadStateDict(extra), ValueError, 'loadStateDict', "unexpected key '3.weight'");

    // The bad key is the last one: the first three must not have been written before it was found.
    const wrongShape = { ...state, '2.bias': ones([3]) };
    refuses(() => net.loadStateDict(wrongShape), ShapeError, 'loadStateDict', "key '2.bias' has shape [3], but the parameter has shape [2]");

    const notTensor = { ...state, '2.weight': [[1, 2, 3], [4, 5, 6]] as unknown as Tensor };
    refuses(() => net.loadStateDict(notTensor), ValueError, 'loadStateDict', "key '2.weight' holds [[1, 2, 3], [4, 5, 6]], not a Tensor");
    refuses(() => net.loadStateDict(null as never), ValueError, 'loadStateDict', 'got null');

    expectUnchanged(before);
    net.loadStateDict(state);
    for (const [name, p] of net.namedParameters()) expect(Array.from(p.data)).toEqual(Array.from(state[name]!.data));
    expect(params.every((p, i) => p.version === before[i]!.version + 1)).toBe(true);
  });
});

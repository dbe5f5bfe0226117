// What every refusal test checks: a typed error whose message starts with the op and names the shapes or
// values, and every tensor involved (values, version, gradient, graph) exactly as it was before the call.
import { expect } from 'vitest';
import { Tensor, TensorgradError, tensor } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';

export type ErrorClass = new (...args: any[]) => TensorgradError;

/** Runs `f`, expects a `type` error from `op` whose message matches every pattern; returns the message. */
export function refuses(f: () => unknown, type: ErrorClass, op: string, ...patterns: (string | RegExp)[]): string {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${type.name} from ${op}`).toBeInstanceOf(type);
  const error = caught as TensorgradError;
  expect(error).toBeInstanceOf(TensorgradError);
  expect(error.op).toBe(op);
  expect(error.message.startsWith(`${op}: `), error.message).toBe(true);
  for (const p of patterns) {
    if (typeof p === 'string') expect(error.message).toContain(p);
    else expect(error.message).toMatch(p);
  }
  return error.message;
}

/** The `type` error `f` throws (any other error is rethrown); fails when `f` throws nothing. */
export function thrownAs<T extends Error>(type: new (...args: any[]) => T, f: () => unknown): T {
  try {
    f();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

export interface Snapshot {
  tensor: Tensor;
  data: number[];
  version: number;
  grad: number[] | null;
  gradTensor: Tensor | null;
  requiresGrad: boolean;
  node: unknown;
}

/** Everything a failed call must leave alone: values, version, gradient (object and values), graph. */
export function snapshot(...tensors: Tensor[]): Snapshot[] {
  return tensors.map((t) => ({
    tensor: t,
    data: Array.from(t.data),
    version: t.version,
    grad: t.grad === null ? null : Array.from(t.grad.data),
    gradTensor: t.grad,
    requiresGrad: t.requiresGrad,
    node: t._node === null ? null : { ...t._node },
  }));
}

export function expectUnchanged(before: Snapshot[]): void {
  for (const s of before) {
    const t = s.tensor;
    expect(Array.from(t.data)).toEqual(s.data);
    expect(t.version).toBe(s.version);
    expect(t.grad).toBe(s.gradTensor);
    expect(t.grad === null ? null : Array.from(t.grad.data)).toEqual(s.grad);
    expect(t.requiresGrad).toBe(s.requiresGrad);
    expect(t._node === null ? null : { ...t._node }).toEqual(s.node);
  }
}

/** A leaf that requires grad and already holds an accumulated gradient (so we can see it is untouched). */
export function withGrad(values: number[][] | number[], name: string): Tensor {
  const t = tensor(values, { requiresGrad: true, name });
  ops.sum(ops.mul(t, 3)).backward();
  return t;
}

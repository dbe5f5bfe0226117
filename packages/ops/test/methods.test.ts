// Every op as a chained Tensor method.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ShapeError, Tensor, ValueError, tensor } from '@tensorgrad/core';
import '@tensorgrad/ops'; // installs the Tensor methods
import type { Indices, SliceSpec, TensorLike } from '@tensorgrad/ops';
import { methodNames, type TensorMethods } from '../src/methods.js';
import { leaf } from './leaf.js';

type Axis = number | readonly number[] | null;

/**
 * The methods' signatures as written out by hand before they were computed from the table: the compiler
 * checks below that the computed ones are these (parameter names aside), so a changed op signature that
 * changes a method shows up here.
 */
interface ExpectedMethods {
  neg(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  abs(): Tensor;
  square(): Tensor;
  reciprocal(): Tensor;
  pow(p: number): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;
  relu(): Tensor;
  add(other: TensorLike): Tensor;
  sub(other: TensorLike): Tensor;
  mul(other: TensorLike): Tensor;
  div(other: TensorLike): Tensor;
  maximum(other: TensorLike): Tensor;
  minimum(other: TensorLike): Tensor;
  sum(axis?: Axis, keepDims?: boolean): Tensor;
  mean(axis?: Axis, keepDims?: boolean): Tensor;
  max(axis?: Axis, keepDims?: boolean): Tensor;
  min(axis?: Axis, keepDims?: boolean): Tensor;
  matmul(other: Tensor): Tensor;
  l2(): Tensor;
  norm(ord?: number, axis?: Axis, keepDims?: boolean): Tensor;
  reshape(shape: readonly number[]): Tensor;
  transpose(axes?: readonly number[]): Tensor;
  broadcastTo(shape: readonly number[]): Tensor;
  expandDims(axis: number): Tensor;
  squeeze(axis?: Axis): Tensor;
  slice(specs: readonly SliceSpec[]): Tensor;
  gather(indices: Indices, axis?: number): Tensor;
  take(indices: Indices, axis?: number): Tensor;
  softmax(axis?: number): Tensor;
  logSoftmax(axis?: number): Tensor;
  sin(): Tensor;
  cos(): Tensor;
  clamp(min?: number | null, max?: number | null): Tensor;
  clone(): Tensor;
  where(condition: TensorLike, other: TensorLike): Tensor;
  argmax(axis?: number | null, keepDims?: boolean): Tensor;
  argmin(axis?: number | null, keepDims?: boolean): Tensor;
  logsumexp(axis?: Axis, keepDims?: boolean): Tensor;
  variance(axis?: Axis, keepDims?: boolean, correction?: number): Tensor;
  std(axis?: Axis, keepDims?: boolean, correction?: number): Tensor;
  flatten(startAxis?: number, endAxis?: number): Tensor;
  greater(other: TensorLike): Tensor;
  greaterEqual(other: TensorLike): Tensor;
  less(other: TensorLike): Tensor;
  lessEqual(other: TensorLike): Tensor;
  equal(other: TensorLike): Tensor;
  notEqual(other: TensorLike): Tensor;
  gt(other: TensorLike): Tensor;
  ge(other: TensorLike): Tensor;
  lt(other: TensorLike): Tensor;
  le(other: TensorLike): Tensor;
  eq(other: TensorLike): Tensor;
  ne(other: TensorLike): Tensor;
  log1p(): Tensor;
  expm1(): Tensor;
  softplus(beta?: number, threshold?: number): Tensor;
  logSigmoid(): Tensor;
  leakyRelu(negativeSlope?: number): Tensor;
  gelu(approximate?: 'none' | 'tanh'): Tensor;
  unsqueeze(axis: number): Tensor;
  permute(axes: readonly number[]): Tensor;
  view(shape: readonly number[]): Tensor;
  split(sizeOrSections: number | readonly number[], axis?: number): Tensor[];
  chunk(chunks: number, axis?: number): Tensor[];
  flip(axes: readonly number[]): Tensor;
  pad(padding: readonly number[], mode?: 'constant', value?: number): Tensor;
  cumsum(axis: number): Tensor;
  layerNorm(normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
}

describe('methods', () => {
  it('every contract op is a chained Tensor method', () => {
    const names = [
      'neg', 'exp', 'log', 'sqrt', 'abs', 'square', 'reciprocal', 'pow', 'sigmoid', 'tanh', 'relu', 'add', 'sub', 'mul', 'div',
      'maximum', 'minimum', 'sum', 'mean', 'max', 'min', 'matmul', 'l2', 'norm', 'reshape', 'transpose', 'broadcastTo',
      'expandDims', 'squeeze', 'slice', 'gather', 'softmax', 'logSoftmax', 'take', 'sin', 'cos', 'clamp', 'clone', 'where',
      'argmax', 'argmin', 'logsumexp', 'variance', 'std', 'flatten',
      'greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual', 'gt', 'ge', 'lt', 'le', 'eq', 'ne',
    ];
    const t = tensor([1]);
    for (const name of names) expect(typeof (t as unknown as Record<string, unknown>)[name]).toBe('function');
  });

  it('every line of the table is installed, forwards to its op, and takes the arguments the op takes after the first', () => {
    // Compile time: Tensor carries the computed types, and they are the signatures above.
    expectTypeOf<keyof TensorMethods>().toEqualTypeOf<keyof ExpectedMethods>();
    expectTypeOf<Pick<Tensor, keyof ExpectedMethods>>().toEqualTypeOf<ExpectedMethods>();
    expectTypeOf<Tensor['T']>().toEqualTypeOf<Tensor>();
    // Run time: one installed function per line, on the prototype.
    expect(methodNames.length).toBe(72);
    for (const name of methodNames) expect(Object.getOwnPropertyDescriptor(Tensor.prototype, name)?.value, name).toBeTypeOf('function');
    const x = tensor([[0.5, -2], [3, 1.5]]);
    expect(x.sum(1, true).toArray()).toEqual([[-1.5], [4.5]]);
    expect(x.where(tensor([[1, 0], [0, 1]]), 7).toArray()).toEqual([[0.5, 7], [7, 1.5]]);
    expect(x.gt(1).toArray()).toEqual([[0, 0], [1, 1]]);
    expect(x.softmax(0).sum(0).toArray()).toEqual([1, 1]);
    expect(x.std(null, false, 1).item()).toBeCloseTo(x.variance(null, false, 1).sqrt().item(), 15);
    expect(x.T.toArray()).toEqual([[0.5, 3], [-2, 1.5]]);
  });

  it('a method given more arguments than it takes is a ValueError, not silently ignored', () => {
    const t = tensor([[3, -4], [0, 1]]);
    const loose = t as unknown as Record<string, (...args: unknown[]) => Tensor>;
    expect(() => loose.l2!.call(t, 1)).toThrow(ValueError);
    expect(() => loose.l2!.call(t, 1)).toThrow(/^l2: x\.l2\(\.\.\.\) takes no arguments, got 1$/);
    expect(() => loose.sum!.call(t, 0, true, 1)).toThrow(/^sum: x\.sum\(\.\.\.\) takes at most 2 arguments, got 3$/);
    expect(() => loose.pow!.call(t, 2, 3)).toThrow(/^pow: x\.pow\(\.\.\.\) takes at most 1 argument, got 2$/);
    expect(t.norm(1, 0, true).toArray()).toEqual([[3, 5]]);
    expect(t.sum(0, true).toArray()).toEqual([[3, -3]]);
  });

  it("PyTorch's varargs reshape(3, 2) and transpose(0, 2) point to the array forms, which do what PyTorch's would", () => {
    const x = tensor([[[1, 2, 3], [4, 5, 6]]]); // [1, 2, 3]
    const loose = x as unknown as Record<string, (...args: unknown[]) => Tensor>;
    expect(() => loose.reshape!.call(x, 3, 2)).toThrow(ShapeError);
    expect(() => loose.reshape!.call(x, 3, 2)).toThrow('reshape: the shape is one array: x.reshape([3, 2]), not x.reshape(3, 2)');
    expect(() => loose.reshape!.call(x, 6)).toThrow('reshape: the shape is one array: x.reshape([6]), not x.reshape(6)');
    expect(x.reshape([3, 2]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(() => loose.transpose!.call(x, 0, 2)).toThrow(
      "transpose: axes is one array, a permutation of all the axes: x.transpose([2, 1, 0]) swaps axes 0 and 2 (PyTorch's x.transpose(0, 2))",
    );
    expect(() => loose.transpose!.call(x, 1, -1)).toThrow('x.transpose([0, 2, 1]) swaps axes 1 and -1');
    expect(() => loose.transpose!.call(x, 1)).toThrow('transpose: axes is one array, a permutation of all 3 axes (such as [2, 1, 0]), not x.transpose(1)');
    // The suggested permutation swaps axes 0 and 2: y[k, j, i] = x[i, j, k].
    const y = x.transpose([2, 1, 0]);
    expect(y.shape).toEqual([3, 2, 1]);
    expect(y.toArray()).toEqual([[[1], [4]], [[2], [5]], [[3], [6]]]);
  });

  it('chain as in the lecture: W.matmul(x).l2(), x.add(y).mul(z), h.relu()', () => {
    const W = leaf([[0.1, 0.5], [-0.3, 0.8]]);
    const x = leaf([0.2, 0.4]);
    const f = W.matmul(x).l2();
    expect(f.item()).toBeCloseTo(0.116, 14);
    expect(tensor([-2]).add(tensor([5])).mul(tensor([-4])).item()).toBe(-12);
    expect(tensor([-1, 2]).relu().sum(0, true).toArray()).toEqual([2]);
    expect(tensor([[1, 2], [3, 4]]).max(1).mean().item()).toBe(3);
    expect(tensor([1, 2]).pow(2).sqrt().toArray()).toEqual([1, 2]);
  });
});

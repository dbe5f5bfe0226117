// Two copies of tensorgrad in one program (it both imports and requires the package, or two installs):
// each has its own Tensor class, so a tensor of one is refused by the other. The refusal says what the
// value is and what to do, not "got object". The second copy here is a real one: @tensorgrad/core's
// sources bundled by esbuild into a module of their own, loaded beside the copy the tests use.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@tensorgrad/core';
import { Tensor, ValueError, describeValue, gradients, isForeignTensor, onesLike, savedMemory, tensor, zerosLike } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { add, matmul } from '@tensorgrad/ops';
import * as nn from '@tensorgrad/nn';

const FOREIGN = 'a Tensor from another copy of tensorgrad (this program loads tensorgrad twice, e.g. with both import and require, and each copy has its own Tensor class: load it one way)';

let other: typeof core;
let work: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorgrad-second-copy-'));
  const outfile = path.join(work, 'core-copy.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../packages/core/src/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'silent',
  });
  other = await import(/* @vite-ignore */ pathToFileURL(outfile).href);
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('a tensor of another copy of tensorgrad', () => {
  it('is another class, which both copies tell apart from their own', () => {
    const theirs = other.tensor([1, 2]);
    expect(other.Tensor).not.toBe(Tensor);
    expect(theirs instanceof Tensor).toBe(false);
    expect(isForeignTensor(theirs)).toBe(true);
    expect(isForeignTensor(tensor([1, 2]))).toBe(false);
    expect(other.isForeignTensor(tensor([1, 2]))).toBe(true);
    expect(other.isForeignTensor(theirs)).toBe(false);
    for (const v of [null, undefined, 1, 'x', [1], {}, new Map(), Object.create(null)]) expect(isForeignTensor(v)).toBe(false);
  });

  it('is named as such by describeValue, a tensor of this copy as a Tensor', () => {
    expect(describeValue(other.tensor([1]))).toBe(FOREIGN);
    expect(other.describeValue(tensor([1]))).toBe(FOREIGN);
    expect(describeValue(tensor([1]))).toBe('a Tensor');
    expect(describeValue({})).toBe('an Object');
  });

  it("an op refuses it with a ValueError saying what it is and to load tensorgrad one way", () => {
    const theirs = other.tensor([1, 2]);
    const mine = tensor([[1, 0], [0, 1]]);
    expect(() => matmul(mine, theirs as unknown as Tensor)).toThrow(ValueError);
    expect(() => matmul(mine, theirs as unknown as Tensor)).toThrow(`matmul: expected a Tensor or a number, got ${FOREIGN}`);
    expect(() => add(theirs as unknown as Tensor, 1)).toThrow(`add: expected a Tensor or a number, got ${FOREIGN}`);
    // Other objects are named by their class.
    expect(() => add({} as unknown as Tensor, 1)).toThrow(/^add: expected a Tensor or a number, got an Object$/);
    // So does core where it describes the value it refuses.
    expect(() => savedMemory(theirs as never)).toThrow(`savedMemory: expected a Tensor, got ${FOREIGN}`);
  });

  it('the mark is not part of a tensor: not an own property, not in deep equality', () => {
    const t = tensor([1, 2]);
    expect(Object.getOwnPropertySymbols(t)).not.toContain(Symbol.for('tensorgrad.Tensor'));
    expect(Object.getOwnPropertyDescriptor(Tensor.prototype, Symbol.for('tensorgrad.Tensor'))).toMatchObject({ enumerable: false, writable: false });
    expect(t).toEqual(tensor([1, 2]));
  });
});

describe('every entry point that takes a tensor names one of another copy', () => {
  // Each row: the call with the foreign tensor where a tensor goes, and the message up to the value.
  // The whole message is compared, so a row also fails if the check stops naming the value.
  const rows: [string, (theirs: Tensor) => unknown, string, string?][] = [
    ['tensor', (t) => tensor(t), 'tensor: cannot make a tensor from ', ': pass a number, nested arrays, a typed array or a tensor'],
    ['zerosLike', (t) => zerosLike(t), 'zerosLike: expected a Tensor, got '],
    ['onesLike', (t) => onesLike(t), 'onesLike: expected a Tensor, got '],
    ['the .grad setter', (t) => { tensor([1, 2]).grad = t; }, 'grad: a gradient must be a Tensor or null, got '],
    ['the backward seed', (t) => ops.sum(tensor([1, 2], { requiresGrad: true })).backward(t), 'backward: a seed gradient is a Tensor, a number or an array of numbers, got '],
    ['gradients inputs', (t) => gradients(ops.sum(tensor([1, 2], { requiresGrad: true })), [t]), 'gradients: inputs must be a list of Tensors, got [', ']'],
    ['grad: f returning it', (t) => ops.grad((_x: Tensor) => t)(tensor([1])), 'grad: f must return a Tensor, got '],
    ['vjp: f returning it', (t) => ops.vjp(() => t, tensor([1])), 'vjp: f must return a Tensor, got '],
    ['hessian: f returning it', (t) => ops.hessian(() => t, tensor([1])), 'hessian: f must return a Tensor, got '],
    ['hvp: its vector', (t) => ops.hvp((x) => ops.sum(x), tensor([1, 2]), t), 'hvp: the vector v must be a Tensor, a number or an array of numbers, got '],
    ['gradgradcheck: f returning it', (t) => ops.gradgradcheck(() => t, [tensor([1], { requiresGrad: true })]), 'gradgradcheck: f must return a Tensor, got '],
    ['concat', (t) => ops.concat([tensor([1]), t]), 'concat: every element of the list must be a Tensor, got ', ' at position 1'],
    ['stack', (t) => ops.stack([t]), 'stack: every element of the list must be a Tensor, got ', ' at position 0'],
    ['gather indices', (t) => ops.gather(tensor([1, 2]), t as never), 'gather: indices must be a Tensor, an array or a typed array, got '],
    ['where condition', (t) => ops.where(t, 1, 2), 'where: condition must be a Tensor or a number, got '],
    ['assertClose', (t) => ops.assertClose(tensor([1]), t), 'assertClose: expected must be a Tensor, a number or nested arrays of numbers, got '],
    ['toKernelMemory', (t) => ops.toKernelMemory(t), 'toKernelMemory: expected a Tensor, got '],
    ['softmaxCrossEntropy scores', (t) => nn.softmaxCrossEntropy(t, [0]), 'softmaxCrossEntropy: expected a Tensor of scores, got '],
    ['softmaxCrossEntropy labels', (t) => nn.softmaxCrossEntropy(tensor([[1, 2]]), t as never), 'softmaxCrossEntropy: labels must be an array, a typed array or a 1-d Tensor, got '],
    ['mse', (t) => nn.mse(t, tensor([1])), 'mse: input and target must be Tensors, got ', ' and a Tensor'],
    ['l2Regularization', (t) => nn.l2Regularization([t], 0.1), 'l2Regularization: entry 0 is not a Tensor (', ')'],
    ['an optimizer\'s params', (t) => new nn.SGD([t], { lr: 0.1 }), 'SGD: parameter 0 is not a Tensor (', ')'],
    ['clipGradNorm', (t) => nn.clipGradNorm([t], 1), 'clipGradNorm: parameter 0 is not a Tensor (', ')'],
    ['loadStateDict', (t) => new nn.Linear(1, 1).loadStateDict({ weight: t, bias: tensor([0]) }), "loadStateDict: key 'weight' holds ", ', not a Tensor'],
    ['saveWeightsToBytes', (t) => nn.saveWeightsToBytes({ w: t }), "saveWeightsToBytes: key 'w' holds ", ', not a Tensor'],
    ['encodeNpy', (t) => nn.encodeNpy(t), 'encodeNpy: expected a Tensor, got '],
  ];

  it.each(rows)('%s refuses it with a ValueError naming it', (_, call, before, after = '') => {
    const theirs = other.tensor([1, 2]) as unknown as Tensor;
    let thrown: unknown;
    try {
      call(theirs);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValueError);
    expect((thrown as Error).message).toBe(`${before}${FOREIGN}${after}`);
  });
});

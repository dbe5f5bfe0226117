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
import { Tensor, ValueError, describeValue, isForeignTensor, savedMemory, tensor } from '@tensorgrad/core';
import { add, matmul } from '@tensorgrad/ops';

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
    expect(describeValue({})).toBe('a Object');
  });

  it("an op refuses it with a ValueError saying what it is and to load tensorgrad one way", () => {
    const theirs = other.tensor([1, 2]);
    const mine = tensor([[1, 0], [0, 1]]);
    expect(() => matmul(mine, theirs as unknown as Tensor)).toThrow(ValueError);
    expect(() => matmul(mine, theirs as unknown as Tensor)).toThrow(`matmul: expected a Tensor or a number, got ${FOREIGN}`);
    expect(() => add(theirs as unknown as Tensor, 1)).toThrow(`add: expected a Tensor or a number, got ${FOREIGN}`);
    // Other objects keep their short description.
    expect(() => add({} as unknown as Tensor, 1)).toThrow(/^add: expected a Tensor or a number, got object$/);
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

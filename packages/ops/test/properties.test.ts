// Property tests (fast-check): random shapes, broadcast pairs, axes and keepDims. Every case is checked
// against centered differences and every gradient must have its input's shape.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Random, Tensor, fromData, sizeOf } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';

const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 });

/** Values kept away from 0 and from each other's likely ties: (±)(0.3 .. 1.8), seeded. */
function values(shape: readonly number[], seed: number): Tensor {
  const r = new Random(seed);
  const d = Float64Array.from({ length: sizeOf(shape) }, () => (r.uniform() < 0.5 ? -1 : 1) * (0.3 + 1.5 * r.uniform()));
  return fromData(d, shape);
}

/** Entries k/4 + offset for random integers k in [-8, 8]. */
function grid(shape: readonly number[], seed: number, offset: number): Tensor {
  const r = new Random(seed);
  return fromData(Float64Array.from({ length: sizeOf(shape) }, () => (r.int(17) - 8) / 4 + offset), shape);
}

/** A shape that broadcasts against `shape`: a suffix of it, with some dimensions replaced by 1. */
const broadcastPartner = (shape: number[]) =>
  fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length })).map(([drop, ones]) =>
    shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)),
  );

function gradientShapesMatch(f: (...t: Tensor[]) => Tensor, inputs: Tensor[]): boolean {
  const leaves = inputs.map((t) => fromData(t.data.slice(), t.shape, { requiresGrad: true }));
  const y = f(...leaves);
  y.backward(fromData(new Float64Array(y.size).fill(1), y.shape));
  return leaves.every((t, i) => t.grad !== null && t.grad.shape.join() === inputs[i]!.shape.join());
}

describe('properties', () => {
  it('binary ops: any broadcast pair, either order, gradchecks and keeps gradient shapes', () => {
    const binary = [ops.add, ops.sub, ops.mul, ops.div, ops.maximum, ops.minimum];
    fc.assert(
      fc.property(
        shapeArb.chain((s) => fc.tuple(fc.constant(s), broadcastPartner(s))),
        fc.integer({ min: 0, max: binary.length - 1 }),
        fc.boolean(),
        fc.integer(),
        ([shape, partner], which, swap, seed) => {
          const op = binary[which]!;
          let [a, b] = [values(shape, seed), values(partner, seed + 1)];
          // maximum/minimum: a on the grid k/4, b on the grid k/4 + 1/8, so no pair is closer than 1/8.
          if (which >= 4) [a, b] = [grid(shape, seed, 0), grid(partner, seed + 1, 0.125)];
          if (swap) [a, b] = [b, a];
          const f = (x: Tensor, y: Tensor) => op(x, y);
          expect(gradientShapesMatch(f, [a, b])).toBe(true);
          const result = ops.gradcheck(f, [a, b]);
          expect(result.ok, JSON.stringify(result.worst)).toBe(true);
        },
      ),
      { numRuns: 60, seed: 1 },
    );
  });

  it('reductions: any axes (negative too) and keepDims gradcheck and keep gradient shapes', () => {
    const reductions = [ops.sum, ops.mean, ops.max, ops.min];
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.length > 0).chain((s) => fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i)), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }))),
        fc.integer({ min: 0, max: reductions.length - 1 }),
        fc.boolean(),
        fc.integer(),
        ([shape, axes, negative], which, keepDims, seed) => {
          // Distinct values (a shuffled grid) so that max and min have no ties.
          const r = new Random(seed);
          const n = sizeOf(shape);
          const order = r.shuffle(Array.from({ length: n }, (_, i) => i));
          const x = fromData(Float64Array.from(order, (k) => k * 0.37 - 1 + 0.01 * r.uniform()), shape);
          const signed = axes.map((a, i) => (negative[i] ? a - shape.length : a));
          const f = (t: Tensor) => reductions[which]!(t, signed, keepDims);
          const y = f(x);
          expect(y.shape).toEqual(keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i)));
          expect(gradientShapesMatch(f, [x])).toBe(true);
          expect(ops.gradcheck(f, [x]).ok).toBe(true);
        },
      ),
      { numRuns: 60, seed: 2 },
    );
  });

  it('slice: any [start, stop, step] matches Python slicing of a list, and gradchecks', () => {
    const bound = fc.option(fc.integer({ min: -7, max: 7 }), { nil: null });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), bound, bound, fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0), (n, start, stop, step) => {
        const list = Array.from({ length: n }, (_, i) => i);
        const x = fromData(Float64Array.from(list), [n]);
        const y = ops.slice(x, [[start, stop, step]]);
        expect([...y.data]).toEqual(pythonSlice(list, start, stop, step));
        if (y.size > 0) expect(ops.gradcheck((t) => ops.slice(t, [[start, stop, step]]), [x]).ok).toBe(true);
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});

/** Python's list[start:stop:step], written from the language reference. */
function pythonSlice(list: number[], start: number | null, stop: number | null, step: number): number[] {
  const n = list.length;
  const norm = (v: number, low: number, high: number) => Math.min(Math.max(v < 0 ? v + n : v, low), high);
  const out: number[] = [];
  if (step > 0) {
    for (let i = start === null ? 0 : norm(start, 0, n); i < (stop === null ? n : norm(stop, 0, n)); i += step) out.push(list[i]!);
  } else {
    for (let i = start === null ? n - 1 : norm(start, -1, n - 1); i > (stop === null ? -1 : norm(stop, -1, n - 1)); i += step) out.push(list[i]!);
  }
  return out;
}

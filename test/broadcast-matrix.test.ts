// The broadcasting matrix: every binary op over shape pairs that exercise each NumPy rule (a missing
// leading axis, 1 against n on both sides, a 0-d scalar, a middle axis of 1), in both orders. Forward
// values and gradients are compared with a naive reference that maps every output index back to its
// inputs; gradient shapes must equal the inputs' shapes, and each case is gradient-checked.
import { describe, expect, it } from 'vitest';
import { Random, ShapeError, Tensor, contiguousStrides, fromData, sizeOf } from '@tensorgrad/core';
import { add, div, gradcheck, maximum, minimum, mul, sub, where } from '@tensorgrad/ops';

type Binary = (a: Tensor | number, b: Tensor | number) => Tensor;

/** Each op with its scalar function and its partial derivatives (away from ties). */
const binaryOps: [string, Binary, (a: number, b: number) => number, (a: number, b: number) => [number, number]][] = [
  ['add', add, (a, b) => a + b, () => [1, 1]],
  ['sub', sub, (a, b) => a - b, () => [1, -1]],
  ['mul', mul, (a, b) => a * b, (a, b) => [b, a]],
  ['div', div, (a, b) => a / b, (a, b) => [1 / b, -a / (b * b)]],
  ['maximum', maximum, Math.max, (a, b) => (a > b ? [1, 0] : [0, 1])],
  ['minimum', minimum, Math.min, (a, b) => (a < b ? [1, 0] : [0, 1])],
];

const pairs: [number[], number[], number[]][] = [
  [[3], [2, 3], [2, 3]],
  [[2, 1], [1, 3], [2, 3]],
  [[], [2, 3], [2, 3]],
  [[4, 1, 3], [2, 3], [4, 2, 3]],
  [[2, 3], [2, 3], [2, 3]],
  [[2, 3], [1], [2, 3]],
  [[5, 1, 1], [1, 4, 1], [5, 4, 1]],
];

/** Integers in [-3, 3] for a, half-integers for b: no ties (maximum, minimum) and no zero denominators. */
function sample(shape: number[], seed: number, half: boolean): Tensor {
  const r = new Random(seed);
  const d = Float64Array.from({ length: sizeOf(shape) }, () => r.int(7) - 3 + (half ? 0.5 : 0));
  return fromData(d, shape);
}

/** Flat index into a tensor of `shape` (right-aligned) for an output multi-index. */
function sourceIndex(index: number[], shape: number[]): number {
  const strides = contiguousStrides(shape);
  const lead = index.length - shape.length;
  let k = 0;
  for (let i = 0; i < shape.length; i++) k += (shape[i] === 1 ? 0 : index[lead + i]!) * strides[i]!;
  return k;
}

function multiIndex(flat: number, shape: number[]): number[] {
  const strides = contiguousStrides(shape);
  return shape.map((d, i) => Math.floor(flat / strides[i]!) % d);
}

describe('broadcasting matrix', () => {
  for (const [name, op, f, partials] of binaryOps) {
    for (const [shapeA, shapeB, shapeOut] of pairs) {
      for (const swap of [false, true]) {
        const [sa, sb] = swap ? [shapeB, shapeA] : [shapeA, shapeB];
        it(`${name}: [${sa}] x [${sb}] -> [${shapeOut}]`, () => {
          const a = sample(sa, 11 + sa.length, false);
          const b = sample(sb, 23 + sb.length, true);
          a.requiresGrad = true;
          b.requiresGrad = true;
          const y = op(a, b);
          expect(y.shape).toEqual(shapeOut);
          const dy = sample(shapeOut, 5, false);
          y.backward(dy);
          expect(a.grad!.shape).toEqual(sa);
          expect(b.grad!.shape).toEqual(sb);

          // Naive reference: every output element, its two sources, and the chain rule summed back.
          const expected = new Float64Array(sizeOf(shapeOut));
          const da = new Float64Array(a.size);
          const db = new Float64Array(b.size);
          for (let k = 0; k < expected.length; k++) {
            const index = multiIndex(k, shapeOut);
            const i = sourceIndex(index, sa);
            const j = sourceIndex(index, sb);
            const [p, q] = [a.data[i]!, b.data[j]!];
            expected[k] = f(p, q);
            const [dp, dq] = partials(p, q);
            da[i] += dy.data[k]! * dp;
            db[j] += dy.data[k]! * dq;
          }
          expect([...y.data]).toEqual([...expected]);
          [...da].forEach((v, i) => expect(a.grad!.data[i]).toBeCloseTo(v, 12));
          [...db].forEach((v, i) => expect(b.grad!.data[i]).toBeCloseTo(v, 12));
          expect(gradcheck((s, t) => op(s, t), [a, b]).ok).toBe(true);
        });
      }
    }

    it(`${name}: a number works where a tensor goes, on either side`, () => {
      const x = fromData(new Float64Array([1, -2, 3.5]), [3], { requiresGrad: true });
      expect([...op(x, 2).data]).toEqual([1, -2, 3.5].map((v) => f(v, 2)));
      expect([...op(2, x).data]).toEqual([1, -2, 3.5].map((v) => f(2, v)));
      op(x, 2).sum().backward();
      expect([...x.grad!.data]).toEqual([1, -2, 3.5].map((v) => partials(v, 2)[0]));
      const scalar = op(3, 0.5);
      expect(scalar.shape).toEqual([]);
      expect(scalar.item()).toBe(f(3, 0.5));
    });

    it(`${name}: incompatible shapes throw a ShapeError naming the op and both shapes`, () => {
      const a = fromData(new Float64Array(6), [2, 3]);
      const b = fromData(new Float64Array(8), [2, 4]);
      expect(() => op(a, b)).toThrow(ShapeError);
      expect(() => op(a, b)).toThrow(new RegExp(`^${name}: .*\\[2, 3\\].*\\[2, 4\\]`));
      expect(() => op(fromData(new Float64Array(3), [3]), fromData(new Float64Array(4), [4]))).toThrow(`${name}: `);
    });
  }
});

describe('broadcasting matrix: where(condition, a, b), three operands', () => {
  // The condition takes each pair's first shape, a the second, b a trailing [1] or a 0-d scalar.
  for (const [shapeC, shapeA, shapeOut] of pairs) {
    for (const shapeB of [[1], []] as number[][]) {
      it(`where: [${shapeC}] ? [${shapeA}] : [${shapeB}] -> [${shapeOut}]`, () => {
        const c = sample(shapeC, 3, false);
        const cond = fromData(c.data.map((v) => (v > 0 ? 1 : 0)), shapeC);
        const a = sample(shapeA, 7, false);
        const b = sample(shapeB, 9, true);
        a.requiresGrad = true;
        b.requiresGrad = true;
        const y = where(cond, a, b);
        expect(y.shape).toEqual(shapeOut);
        const dy = sample(shapeOut, 5, false);
        y.backward(dy);
        expect(a.grad!.shape).toEqual(shapeA);
        expect(b.grad!.shape).toEqual(shapeB);
        const da = new Float64Array(a.size);
        const db = new Float64Array(b.size);
        for (let k = 0; k < y.size; k++) {
          const index = multiIndex(k, shapeOut);
          const on = cond.data[sourceIndex(index, shapeC)] !== 0;
          const i = sourceIndex(index, shapeA);
          const j = sourceIndex(index, shapeB);
          expect(y.data[k]).toBe(on ? a.data[i] : b.data[j]);
          if (on) da[i] += dy.data[k]!;
          else db[j] += dy.data[k]!;
        }
        expect([...a.grad!.data]).toEqual([...da]);
        expect([...b.grad!.data]).toEqual([...db]);
        expect(gradcheck((s, t) => where(cond, s, t), [a, b]).ok).toBe(true);
      });
    }
  }
});

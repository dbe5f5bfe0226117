import { afterAll, describe, expect, it } from 'vitest';
import { ShapeError, randn, tensor, type Tensor } from '@tensorgrad/core';
import { gemmKernel, gemmKernelNames, gradcheck, linear, matmul, setGemmKernel, sum, mul, add, transpose, slice } from '@tensorgrad/ops';

const initial = gemmKernel().name;
afterAll(() => setGemmKernel(initial));

/** Reference product of nested arrays with NumPy's matmul rules, written out loop by loop. */
function refMatmul(a: Tensor, b: Tensor): number[] {
  const A = a.ndim === 1 ? [a.toArray() as number[]] : null;
  const B = b.ndim === 1 ? (b.toArray() as number[]).map((v) => [v]) : null;
  if (a.ndim <= 2 && b.ndim <= 2) {
    const am = A ?? (a.toArray() as number[][]);
    const bm = B ?? (b.toArray() as number[][]);
    const out: number[] = [];
    for (let i = 0; i < am.length; i++)
      for (let j = 0; j < bm[0]!.length; j++) {
        let s = 0;
        for (let p = 0; p < bm.length; p++) s += am[i]![p]! * bm[p]![j]!;
        out.push(s);
      }
    return out;
  }
  throw new Error('refMatmul: 1-d/2-d only');
}

function close(x: ArrayLike<number>, y: ArrayLike<number>, tol = 1e-12): void {
  expect(x.length).toBe(y.length);
  let scale = 0;
  for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i]!));
  for (let i = 0; i < y.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(tol * Math.max(scale, 1));
}

let seed = 100;
const r = (shape: number[]) => randn(shape, { seed: seed++, requiresGrad: true });

/** Gradcheck of matmul(a, b) (weighted by a fixed random cotangent) plus the shape of each gradient. */
function checkGrads(a: Tensor, b: Tensor): void {
  const res = gradcheck((x, y) => matmul(x, y), [a, b], { maxEntries: 400 });
  expect(res.ok, JSON.stringify(res.worst)).toBe(true);
  expect(res.maxAbsError).toBeLessThan(1e-6);
  const y = matmul(a, b);
  sum(mul(y, y)).backward();
  expect(a.grad!.shape).toEqual(a.shape);
  expect(b.grad!.shape).toEqual(b.shape);
  a.zeroGrad();
  b.zeroGrad();
}

for (const name of gemmKernelNames()) {
  describe(`matmul with the '${name}' kernel`, () => {
    it('values: mat·mat, mat·vec, vec·mat, vec·vec against the loop-by-loop product', () => {
      setGemmKernel(name);
      const cases: [number[], number[], number[]][] = [
        [[9, 10], [10, 8], [9, 8]],
        [[31, 33], [33], [31]],
        [[33], [33, 29], [29]],
        [[600], [600], []],
        [[1, 70], [70, 1], [1, 1]],
      ];
      for (const [sa, sb, sy] of cases) {
        const a = r(sa), b = r(sb);
        const y = matmul(a, b);
        expect(y.shape).toEqual(sy);
        close(y.data, refMatmul(a, b));
      }
    });

    it('values: transposed and sliced (strided) operands are read in place', () => {
      setGemmKernel(name);
      const a = r([12, 20]), b = r([15, 20]);
      const y = matmul(a, transpose(b)); // [12, 15], B read through swapped strides
      close(y.data, refMatmul(a, tensor(transpose(b).toArray())));
      const s = slice(r([30, 40]), [[0, 30, 2], [1, 40, 3]]); // every other row, every third column
      const z = matmul(s, r([s.shape[1]!, 9]));
      expect(z.shape).toEqual([15, 9]);
    });

    it('values: batched [..., m, k]·[..., k, n] with broadcast batch dims', () => {
      setGemmKernel(name);
      const a = r([2, 1, 7, 9]), b = r([3, 9, 11]);
      const y = matmul(a, b);
      expect(y.shape).toEqual([2, 3, 7, 11]);
      const A = a.toArray() as number[][][][], B = b.toArray() as number[][][];
      const want: number[] = [];
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++)
          for (let p = 0; p < 7; p++)
            for (let q = 0; q < 11; q++) {
              let s = 0;
              for (let t = 0; t < 9; t++) s += A[i]![0]![p]![t]! * B[j]![t]![q]!;
              want.push(s);
            }
      close(y.data, want);
      // A 3-d batch times a shared matrix (the batch folds into rows): same as row by row.
      const x = r([4, 5, 9]), w = r([9, 6]);
      const xw = matmul(x, w);
      for (let i = 0; i < 4; i++) close(slice(xw, [i]).data, matmul(slice(x, [i]), w).data);
    });

    it('gradients (centered differences) and their shapes: mat·mat, mat·vec, vec·mat, vec·vec', () => {
      setGemmKernel(name);
      checkGrads(r([9, 10]), r([10, 8]));
      checkGrads(r([12, 45]), r([45]));
      checkGrads(r([45]), r([45, 12]));
      checkGrads(r([600]), r([600]));
      checkGrads(r([1, 13]), r([13, 1]));
    });

    it('gradients: batched with broadcast batch dims (summed back to each input shape)', () => {
      setGemmKernel(name);
      checkGrads(r([2, 1, 5, 9]), r([3, 9, 11]));
      checkGrads(r([4, 6, 9]), r([9, 10]));
      checkGrads(r([9]), r([3, 9, 10]));
      checkGrads(r([3, 10, 9]), r([9]));
    });

    it('a transposed (column-major) operand: same gradient as through a contiguous copy', () => {
      setGemmKernel(name);
      const x = r([13, 20]), W = r([11, 20]), R = r([13, 11]);
      const Wt = tensor(transpose(W).toArray(), { requiresGrad: true }); // the same values, row-major
      sum(mul(matmul(x, transpose(W)), R)).backward(); // Wᵀ read column-major: gradient via (dWᵀ)ᵀ = dCᵀ·x
      const viaView = x.grad!.data.slice();
      x.zeroGrad();
      sum(mul(matmul(x, Wt), R)).backward();
      close(W.grad!.data, transpose(Wt.grad!).data);
      close(viaView, x.grad!.data);
    });

    it('gradients through transposed operands', () => {
      setGemmKernel(name);
      const res = gradcheck((a, b) => matmul(transpose(a), transpose(b)), [r([20, 12]), r([15, 20])], { maxEntries: 400 });
      expect(res.ok, JSON.stringify(res.worst)).toBe(true);
    });

    it('linear(x, W, b) = x·Wᵀ + b, its gradients, and without bias', () => {
      setGemmKernel(name);
      const x = r([13, 20]), W = r([11, 20]), b = r([11]);
      const y = linear(x, W, b);
      expect(y.shape).toEqual([13, 11]);
      close(y.data, add(matmul(x, transpose(W)), b).data);
      const res = gradcheck((x, W, b) => linear(x, W, b), [x, W, b], { maxEntries: 400 });
      expect(res.ok, JSON.stringify(res.worst)).toBe(true);
      const res2 = gradcheck((x, W) => linear(x, W), [r([3, 4, 20]), r([7, 20])], { maxEntries: 400 });
      expect(res2.ok, JSON.stringify(res2.worst)).toBe(true);
      const res3 = gradcheck((x, W, b) => linear(x, W, b), [r([20]), r([7, 20]), r([7])]);
      expect(res3.ok, JSON.stringify(res3.worst)).toBe(true);
      expect(linear(r([20]), W).shape).toEqual([11]);
      // Gradient shapes, and the bias gradient is the column sum of dy.
      const z = linear(x, W, b);
      sum(z).backward();
      expect(x.grad!.shape).toEqual([13, 20]);
      expect(W.grad!.shape).toEqual([11, 20]);
      expect([...b.grad!.data]).toEqual(new Array(11).fill(13));
    });
  });
}

describe('matmul and linear errors name the op and the shapes', () => {
  it('matmul: misaligned and 0-d operands', () => {
    expect(() => matmul(r([2, 3]), r([4, 5]))).toThrow(ShapeError);
    expect(() => matmul(r([2, 3]), r([4, 5]))).toThrow(/^matmul: shapes \[2, 3\] and \[4, 5\] are not aligned/);
    expect(() => matmul(tensor(1), r([2]))).toThrow(/^matmul: /);
    expect(() => matmul(r([2, 2, 3]), r([3, 3, 4]))).toThrow(ShapeError);
    expect(() => matmul(r([2, 2, 3]), r([3, 3, 4]))).toThrow(/^matmul: batch dims \[2\] of a \[2, 2, 3\] and \[3\] of b \[3, 3, 4\] cannot be broadcast together$/);
  });

  it('linear: wrong in-features, weight rank, bias shape', () => {
    expect(() => linear(r([4, 5]), r([3, 6]))).toThrow(/^linear: input \[4, 5\] does not end in weight's in-features 6/);
    expect(() => linear(r([4, 5]), r([5]))).toThrow(/^linear: weight must be \[out, in\]/);
    expect(() => linear(r([4, 5]), r([3, 5]), r([4]))).toThrow(/^linear: bias must be \[3\]/);
  });
});

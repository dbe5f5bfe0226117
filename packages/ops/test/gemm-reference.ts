/** What the gemm kernels' tests compare against: the textbook sum and a relative error. */

/** C (+)= A·B, the textbook sum, element by element, through the strides. */
export function naiveGemm(m: number, n: number, k: number, a: Float64Array, aOff: number, aRs: number, aCs: number,
  b: Float64Array, bOff: number, bRs: number, bCs: number, c: Float64Array, cOff: number, accumulate: boolean): void {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c[cOff + i * n + j]! : 0;
      for (let p = 0; p < k; p++) s += a[aOff + i * aRs + p * aCs]! * b[bOff + p * bRs + j * bCs]!;
      c[cOff + i * n + j] = s;
    }
}

/** max |x - y| / max |y|: 0 when both are all zero. */
export function relError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

export type Layout = 'row' | 'transposed' | 'strided' | 'broadcast' | 'flipped' | 'flippedT';

/** An operand of the Backend.gemm interface: element (i, j) is data[off + i·rs + j·cs]. */
export interface Operand {
  data: Float64Array;
  off: number;
  rs: number;
  cs: number;
}

/** A product to check: C[m, n] (+)= A[m, k]·B[k, n], each operand laid out as named. */
export interface Case {
  m: number;
  n: number;
  k: number;
  la: Layout;
  lb: Layout;
  accumulate: boolean;
}

/**
 * A rows×cols operand laid out as asked, inside a larger buffer (values from `values`) at a nonzero
 * offset.
 */
export function stridedOperand(rows: number, cols: number, layout: Layout, values: (length: number) => Float64Array): Operand {
  const base = 3;
  switch (layout) {
    case 'row':
      return { data: values(base + rows * cols + 2), off: base, rs: cols, cs: 1 };
    case 'transposed': // a view of a [cols, rows] array
      return { data: values(base + rows * cols + 2), off: base, rs: 1, cs: rows };
    case 'strided': // every other column of a wider array, rows padded
      return { data: values(base + rows * (2 * cols + 1) + 2), off: base, rs: 2 * cols + 1, cs: 2 };
    case 'broadcast': // one row repeated (row stride 0), as matmul views a vector
      return { data: values(base + cols + 2), off: base, rs: 0, cs: 1 };
    case 'flipped': // a row-major array flipped along both axes: both strides negative
      return { data: values(base + rows * cols + 2), off: base + rows * cols - 1, rs: -cols, cs: -1 };
    case 'flippedT': // a transposed view with its rows reversed (row stride -1)
      return { data: values(base + rows * cols + 2), off: base + rows - 1, rs: -1, cs: rows };
  }
}

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

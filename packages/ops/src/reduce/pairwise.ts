import { pairwiseSum } from '@tensorgrad/core';

// Pairwise summation lives in core (nn's losses use it too); the sum of squares for the L2 node is its twin.
export { pairwiseSum };

/** Σ d[i]² over [start, start + n) with the same pairwise scheme (the L2 node). */
export function pairwiseSumOfSquares(d: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = start; i < start + n; i++) s += d[i]! * d[i]!;
    return s;
  }
  if (n <= 128) {
    let r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0, r6 = 0, r7 = 0;
    const end = start + n - (n % 8);
    for (let i = start; i < end; i += 8) {
      const a = d[i]!, b = d[i + 1]!, c = d[i + 2]!, e = d[i + 3]!;
      const f = d[i + 4]!, g = d[i + 5]!, h = d[i + 6]!, k = d[i + 7]!;
      r0 += a * a; r1 += b * b; r2 += c * c; r3 += e * e;
      r4 += f * f; r5 += g * g; r6 += h * h; r7 += k * k;
    }
    let s = (r0 + r1 + (r2 + r3)) + (r4 + r5 + (r6 + r7));
    for (let i = end; i < start + n; i++) s += d[i]! * d[i]!;
    return s;
  }
  const half = Math.floor(n / 2) - (Math.floor(n / 2) % 8);
  return pairwiseSumOfSquares(d, start, half) + pairwiseSumOfSquares(d, start + half, n - half);
}

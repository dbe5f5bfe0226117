/**
 * Pairwise summation, as NumPy's: blocks of up to 128 values are summed with eight interleaved
 * accumulators, and blocks are combined in a balanced tree. The rounding error grows as O(log n)
 * instead of the O(n) of a running sum (1e6 copies of 0.1 sum to 100000.00000000001, not
 * 100000.00000133288), and the independent accumulators run faster than one dependent chain. The
 * recursion is over halves of an array (depth log2(n / 128)), not over the graph.
 *
 * In core so that every package sums the same way (ops' sum and l2, nn's loss reductions); the same
 * scheme as ops' reduce/pairwise.ts, which can re-export it.
 */
export function pairwiseSum(d: Float64Array, start = 0, n = d.length - start): number {
  if (n < 8) {
    let s = 0;
    for (let i = start; i < start + n; i++) s += d[i]!;
    return s;
  }
  if (n <= 128) {
    let r0 = d[start]!, r1 = d[start + 1]!, r2 = d[start + 2]!, r3 = d[start + 3]!;
    let r4 = d[start + 4]!, r5 = d[start + 5]!, r6 = d[start + 6]!, r7 = d[start + 7]!;
    const end = start + n - (n % 8);
    for (let i = start + 8; i < end; i += 8) {
      r0 += d[i]!; r1 += d[i + 1]!; r2 += d[i + 2]!; r3 += d[i + 3]!;
      r4 += d[i + 4]!; r5 += d[i + 5]!; r6 += d[i + 6]!; r7 += d[i + 7]!;
    }
    let s = (r0 + r1 + (r2 + r3)) + (r4 + r5 + (r6 + r7));
    for (let i = end; i < start + n; i++) s += d[i]!;
    return s;
  }
  const half = Math.floor(n / 2) - (Math.floor(n / 2) % 8);
  return pairwiseSum(d, start, half) + pairwiseSum(d, start + half, n - half);
}

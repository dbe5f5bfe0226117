import { ValueError, checkSize, defineOp, normalizeAxes, type Tensor } from '@tensorgrad/core';
import { asTensor, checkKeepDims, type TensorLike } from '../util.js';
import { div } from '../binary/div.js';
import { sub } from '../binary/sub.js';
import { square } from '../unary/square.js';
import { mean } from './mean.js';
import { sum } from './sum.js';

/** Checks `correction` and returns the divisor N - correction (at least 0, as NumPy's ddof). */
function divisor(op: string, x: Tensor, axes: readonly number[], correction: unknown): number {
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new ValueError(op, `correction must be a finite non-negative number (0: population, 1: sample/Bessel), got ${String(correction)}`);
  }
  let count = 1;
  for (const i of axes) count *= x.shape[i]!;
  return Math.max(0, count - correction);
}

/**
 * Variance over `axis` (all axes by default; a number or a list): Σ (x - mean)² / (N - correction).
 * The default `correction = 0` is the population variance, as NumPy (`ddof=0`), JAX and TF.js;
 * PyTorch's `var` defaults to `correction = 1` (Bessel's, the unbiased sample variance) — pass 1 for
 * PyTorch's numbers. N - correction <= 0 divides by 0 (Infinity or NaN, as NumPy and PyTorch give).
 * A composite of mean, sub, square, sum and div: its gradient, 2 (x - mean) / (N - correction), needs
 * no rule of its own (the mean's own gradient term sums to zero).
 */
export const variance = defineOp('variance', (a: TensorLike, axis?: number | readonly number[] | null, keepDims?: boolean, correction: number = 0): Tensor => {
  const x = asTensor(a, 'variance');
  keepDims = checkKeepDims(keepDims, 'variance');
  const axes = normalizeAxes(axis, x.ndim, 'variance');
  checkSize('variance', x.shape);
  checkSize('variance', keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i))); // larger than x when x has no values: sum over [0, n] is [n]
  const n = divisor('variance', x, axes, correction);
  return div(sum(square(sub(x, mean(x, axes, true))), axes, keepDims), n);
});

import { ValueError, fromData, pairwiseSum, type Shape, type Tensor } from '@tensorgrad/core';
import { checkOptions, type OptionSpec } from '../options.js';
import { div, reshape } from '@tensorgrad/ops';

/** How a loss combines its per-sample values: their mean (the default), their sum, or none (one value each). */
export type Reduction = 'mean' | 'sum' | 'none';

export function checkReduction(op: string, reduction: unknown): Reduction {
  const r = reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new ValueError(op, `reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  return r;
}

/**
 * The loss tensor: a 0-d mean or sum of `values`, or `values` themselves shaped `shape`. Summed pairwise,
 * as ops' `sum` and `mean` sum, so a fused loss and its composite oracle round alike.
 */
export function reduce(values: Float64Array, reduction: Reduction, shape: Shape): Tensor {
  if (reduction === 'none') return fromData(values, shape);
  const total = pairwiseSum(values);
  return fromData(new Float64Array([reduction === 'mean' ? total / values.length : total]), []);
}

/**
 * The upstream gradient each per-sample value receives: dy/n for a mean, dy for a sum, dy[i] for none.
 * Returned as an array of length n (one entry per value).
 */
export function perSampleGradient(dy: Tensor, reduction: Reduction, n: number): Float64Array {
  if (reduction === 'none') return dy.data;
  const g = reduction === 'mean' ? dy.item() / n : dy.item();
  return new Float64Array(n).fill(g);
}

/**
 * The upstream gradient of each per-sample value with recorded ops, shaped to broadcast against values
 * of shape `shape`: dy/n or dy (0-d) for a mean or a sum, dy itself (reshaped to `perRow`) for none. The
 * fused losses' recorded rules (higher-order gradients) scale with it.
 */
export function perSampleRecorded(dy: Tensor, reduction: Reduction, n: number, perRow: Shape): Tensor {
  if (reduction === 'none') return reshape(dy, perRow);
  return reduction === 'mean' ? div(dy, n) : dy;
}

/** The options object of a loss (undefined or null: the defaults). */
export function lossOptions<T extends object>(op: string, options: T | null | undefined, spec: OptionSpec = { reduction: 'any' }): Partial<T> {
  return checkOptions(op, options, spec, "{ reduction: 'sum' }");
}

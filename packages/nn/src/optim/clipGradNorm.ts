import { Tensor, ValueError, broadcastAxis, describeValue, noGrad } from '@tensorgrad/core';
import { checkOptions } from '../options.js';
import { describeParameter } from './optimizer.js';

export interface ClipGradNormOptions {
  /** The order p of the norm: a number > 0, or Infinity for the largest |g| (default 2). */
  normType?: number;
  /** Throw instead of clipping when the total norm is NaN or infinite (default false, as PyTorch). */
  errorIfNonfinite?: boolean;
}

/** ‖g‖_p over one gradient's values: (Σ|g|^p)^(1/p), or max |g| for p = Infinity (NaN if any is NaN). */
function norm(values: ArrayLike<number>, p: number): number {
  if (p === Infinity) {
    let top = 0;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]!);
      if (a > top || Number.isNaN(a)) top = a;
      if (Number.isNaN(top)) return NaN;
    }
    return top;
  }
  let s = 0;
  if (p === 2) {
    for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
    return Math.sqrt(s);
  }
  if (p === 1) {
    for (let i = 0; i < values.length; i++) s += Math.abs(values[i]!);
    return s;
  }
  for (let i = 0; i < values.length; i++) s += Math.abs(values[i]!) ** p;
  return s ** (1 / p);
}

/**
 * Scales the gradients of `params` in place so that their total p-norm is at most `maxNorm`, and returns
 * the total norm before clipping (PyTorch's torch.nn.utils.clip_grad_norm_, returning a number). The
 * total norm is the norm of the per-gradient norms, as if all gradients were one vector; if it exceeds
 * maxNorm, every gradient is multiplied by maxNorm / (total + 1e-6). Parameters without a gradient are
 * skipped (frozen ones with a gradient count, as in PyTorch); with none, the total is 0.
 *
 * A NaN or infinite total is a ValueError and nothing is written: scaling by it would turn every gradient
 * into 0 or NaN without a word. PyTorch 1.13 scales anyway by default; `{ errorIfNonfinite: false }` does
 * that here and returns the total.
 */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm';
  const { normType = 2, errorIfNonfinite = true } = checkOptions(op, options, { normType: 'any', errorIfNonfinite: 'boolean' }, '{ normType: Infinity }');
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0) || maxNorm === Infinity) throw new ValueError(op, `maxNorm must be a finite number >= 0, got ${describeValue(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new ValueError(op, `normType must be a number > 0 or Infinity, got ${describeValue(normType)}`);
  const list = params instanceof Tensor ? [params] : params;
  if (list === null || typeof list !== 'object' || typeof (list as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new ValueError(op, `params must be a Tensor or an iterable of Tensors (e.g. model.parameters()), got ${describeValue(params)}`);
  }
  // Every parameter and gradient checked before any is written.
  const grads: Tensor[] = [];
  const seen = new Set<Tensor>();
  let index = 0;
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new ValueError(op, `parameter ${index} is not a Tensor (${describeValue(p)})`);
    const g = p._peekGrad();
    if (g !== null && !seen.has(p)) {
      const axis = broadcastAxis(g.shape, g.nd.stride);
      if (axis >= 0) throw new ValueError(op, `${describeParameter(index, p)} has a gradient that is a broadcast view (stride 0 along axis ${axis}): it cannot be scaled in place; assign a copy (clone())`);
      grads.push(g);
    }
    seen.add(p);
    index++;
  }
  if (grads.length === 0) return 0;
  const norms = grads.map((g) => norm(g.data, normType));
  const total = norm(norms, normType);
  if (!Number.isFinite(total) && errorIfNonfinite) {
    throw new ValueError(op, `the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped (nothing was written; { errorIfNonfinite: false } scales them by it anyway, as PyTorch 1.13 does by default)`);
  }
  const coefficient = Math.min(maxNorm / (total + 1e-6), 1);
  // A coefficient of 1 leaves every value as it is (x·1 = x, NaN and -0 included): nothing to write.
  if (coefficient !== 1) {
    noGrad(() => {
      for (const g of grads) g.mutate((d) => { for (let i = 0; i < d.length; i++) d[i]! *= coefficient; });
    });
  }
  return total;
}

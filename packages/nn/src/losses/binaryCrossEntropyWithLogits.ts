import { ShapeError, Tensor, ValueError, defineOp, describeValue, formatShape, fromData, noGrad, record, shapesEqual } from '@tensorgrad/core';
import { add, broadcastTo, mul, neg, newStorageUnfilled, sigmoid, softplus, sub, unbroadcast } from '@tensorgrad/ops';
import { checkReduction, lossOptions, perSampleGradient, perSampleRecorded, reduce, type Reduction } from './reduction.js';

export interface BinaryCrossEntropyOptions {
  /** 'mean' over every element (default), 'sum', or 'none' for one loss per element, shaped like the logits. */
  reduction?: Reduction;
  /**
   * The weight of the positive term, per class: a tensor (or number) that broadcasts to the logits' shape,
   * usually [C] for logits [N, C]; PyTorch's `pos_weight` (negatives / positives balances a rare class).
   */
  posWeight?: Tensor | number;
  /** A weight per element, broadcast to the logits' shape, multiplying each loss: PyTorch's `weight`. */
  weight?: Tensor | number;
}

const op = 'binaryCrossEntropyWithLogits';

/** An optional weight as a Float64Array over the logits' shape (null when absent). */
function weightValues(name: string, w: unknown, shape: readonly number[]): { t: Tensor; values: Float64Array } | null {
  if (w === undefined || w === null) return null;
  if (typeof w === 'number') {
    if (!Number.isFinite(w)) throw new ValueError(op, `${name} must be finite, got ${w}`);
    w = fromData(new Float64Array([w]), []);
  }
  if (!(w instanceof Tensor)) throw new ValueError(op, `${name} must be a Tensor or a number, got ${describeValue(w)}`);
  const t = w;
  const lead = shape.length - t.ndim;
  if (lead < 0 || t.shape.some((d, i) => d !== 1 && d !== shape[lead + i])) {
    throw new ShapeError(op, `${name} of shape ${formatShape(t.shape)} does not broadcast to the logits' shape ${formatShape(shape)}`);
  }
  return { t, values: noGrad(() => broadcastTo(t, shape)).data };
}

/**
 * Binary cross-entropy on logits, elementwise: ℓ = -w·[p·t·log σ(x) + (1 - t)·log(1 - σ(x))] for logits x,
 * targets t in [0, 1] (probabilities allowed) of the same shape, positive weight p (1 by default) and weight
 * w (1). Computed as w·[(1 - t)·x + (1 + (p - 1)·t)·softplus(-x)], softplus(-x) = max(-x, 0) + log1p(e^-|x|):
 * finite, with finite gradients, at x = ±1000, where sigmoid then log gives log(0). PyTorch's
 * `binary_cross_entropy_with_logits`.
 *
 * One fused op. Gradients: dℓ/dx = w·[(1 - t) - (1 + (p - 1)t)·σ(-x)] (w·(σ(x) - t) without p), and the
 * targets, posWeight and weight get theirs when they require grad: dℓ/dt = w·[(p - 1)·softplus(-x) - x],
 * dℓ/dp = w·t·softplus(-x), dℓ/dw = ℓ/w (summed over broadcast axes).
 */
export const binaryCrossEntropyWithLogits = defineOp(op, (logits: Tensor, targets: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor => {
  if (!(logits instanceof Tensor)) throw new ValueError(op, `logits must be a Tensor, got ${describeValue(logits)}`);
  if (!(targets instanceof Tensor)) throw new ValueError(op, `targets must be a Tensor of the logits' shape ${formatShape(logits.shape)}, got ${describeValue(targets)}`);
  if (!shapesEqual(logits.shape, targets.shape)) {
    throw new ShapeError(op, `logits ${formatShape(logits.shape)} and targets ${formatShape(targets.shape)} must have the same shape`);
  }
  const opts = lossOptions<BinaryCrossEntropyOptions>(op, options, { reduction: 'any', posWeight: 'any', weight: 'any' });
  const reduction = checkReduction(op, opts.reduction);
  const shape = logits.shape;
  const n = logits.size;
  if (n === 0) throw new ShapeError(op, `logits of shape ${formatShape(shape)} are empty: the mean is undefined`);
  const pos = weightValues('posWeight', opts.posWeight, shape);
  const wt = weightValues('weight', opts.weight, shape);
  const x = logits.data;
  const t = targets.data;
  const p = pos?.values;
  const w = wt?.values;
  // softplus(-x) is kept: the targets', posWeight's and weight's gradients read it.
  const spNeg = newStorageUnfilled(n);
  const losses = newStorageUnfilled(n);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const sp = Math.max(-v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    spNeg[i] = sp;
    const ti = t[i]!;
    const l = (1 - ti) * v + (p === undefined ? sp : (1 + (p[i]! - 1) * ti) * sp);
    losses[i] = w === undefined ? l : w[i]! * l;
  }
  const inputs = [logits, targets];
  if (pos !== null) inputs.push(pos.t);
  if (wt !== null) inputs.push(wt.t);
  return record(op, inputs, reduce(losses, reduction, shape), (dy) => {
    const g = perSampleGradient(dy, reduction, n);
    const dx = newStorageUnfilled(n);
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      // σ(-x), on the side of x whose exponential cannot overflow.
      let sNeg: number;
      if (v >= 0) {
        const e = Math.exp(-v);
        sNeg = e / (1 + e);
      } else sNeg = 1 / (1 + Math.exp(v));
      const ti = t[i]!;
      const d = p === undefined ? 1 - ti - sNeg : 1 - ti - (1 + (p[i]! - 1) * ti) * sNeg;
      dx[i] = (w === undefined ? d : w[i]! * d) * g[i]!;
    }
    const grads: (Tensor | null)[] = [fromData(dx, shape), null];
    if (targets.requiresGrad) {
      const dt = newStorageUnfilled(n);
      for (let i = 0; i < n; i++) {
        const d = (p === undefined ? 0 : (p[i]! - 1) * spNeg[i]!) - x[i]!;
        dt[i] = (w === undefined ? d : w[i]! * d) * g[i]!;
      }
      grads[1] = fromData(dt, shape);
    }
    if (pos !== null) {
      let dp: Tensor | null = null;
      if (pos.t.requiresGrad) {
        const a = newStorageUnfilled(n);
        for (let i = 0; i < n; i++) a[i] = (w === undefined ? 1 : w[i]!) * t[i]! * spNeg[i]! * g[i]!;
        dp = unbroadcast(fromData(a, shape), pos.t.shape);
      }
      grads.push(dp);
    }
    if (wt !== null) {
      let dw: Tensor | null = null;
      if (wt.t.requiresGrad) {
        const a = newStorageUnfilled(n);
        for (let i = 0; i < n; i++) {
          const ti = t[i]!;
          a[i] = ((1 - ti) * x[i]! + (p === undefined ? spNeg[i]! : (1 + (p[i]! - 1) * ti) * spNeg[i]!)) * g[i]!;
        }
        dw = unbroadcast(fromData(a, shape), wt.t.shape);
      }
      grads.push(dw);
    }
    return grads;
  }, inputs, (dy) => {
    // The same gradients with recorded ops (softplus with no threshold: log1p(e^-|x|) everywhere, as above).
    const g = perSampleRecorded(dy, reduction, n, shape);
    const P = pos === null ? 1 : broadcastTo(pos.t, shape);
    const W = wt === null ? 1 : broadcastTo(wt.t, shape);
    const sp = softplus(neg(logits), 1, Infinity);
    const coefficient = add(1, mul(sub(P, 1), targets));
    const grads: (Tensor | null)[] = [
      mul(mul(W, sub(sub(1, targets), mul(coefficient, sigmoid(neg(logits))))), g),
      // Without posWeight, -x alone (as the first-order rule): 0·softplus(-x) would be NaN at x = -Infinity.
      targets.requiresGrad ? mul(mul(W, pos === null ? neg(logits) : sub(mul(sub(P, 1), sp), logits)), g) : null,
    ];
    if (pos !== null) grads.push(pos.t.requiresGrad ? unbroadcast(mul(mul(mul(W, targets), sp), g), pos.t.shape) : null);
    if (wt !== null) grads.push(wt.t.requiresGrad ? unbroadcast(mul(add(mul(sub(1, targets), logits), mul(coefficient, sp)), g), wt.t.shape) : null);
    return grads;
  });
});

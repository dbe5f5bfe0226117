import { ShapeError, Tensor, ValueError, defineOp, describeValue, formatShape, fromData, record, shapesEqual } from '@tensorgrad/core';
import { checkLabels, checkScores, type Labels } from './labels.js';
import { checkReduction, lossOptions, perSampleGradient, perSampleRecorded, reduce, type Reduction } from './reduction.js';
import { add, logSoftmax, mul, neg, newStorage, newStorageUnfilled, softmax, sub, sum } from '@tensorgrad/ops';

export interface LossOptions {
  /** 'mean' over the batch (default), 'sum', or 'none' for one loss per row. */
  reduction?: Reduction;
}

export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /**
   * ε in [0, 1] (default 0): the target becomes (1 - ε)·target + ε/C, PyTorch's label_smoothing; with
   * class labels, L = (1 - ε)·(-log p_y) + (ε/C)·Σ_c (-log p_c).
   */
  labelSmoothing?: number;
}

/**
 * Softmax cross-entropy, mean over the batch: L = (1/N) Σ_i [log Σ_j e^{z_ij} - z_{i,y_i}], for logits z
 * of shape [N, C] and integer labels y. One fused kernel: the forward keeps the softmax p, and the
 * backward is dL/dz = (p - onehot(y)) / N, with no log or exp graph to walk. `{ reduction: 'sum' }` drops
 * the 1/N; `'none'` returns the N per-row losses.
 *
 * As PyTorch's cross_entropy, it also takes scores [N, C, d1, ...] (classes on axis 1: a segmentation
 * map, a sequence) with labels of shape [N, d1, ...] (a Tensor), probability targets (a Tensor of the
 * scores' shape: L = -Σ_c t_c log p_c per position, and a gradient for t too), and `labelSmoothing`.
 * The mean is then over every position (N·d1·...), and 'none' returns the [N, d1, ...] losses.
 */
export const softmaxCrossEntropy = defineOp('softmaxCrossEntropy', (logits: Tensor, labels: Labels, options: SoftmaxCrossEntropyOptions = {}): Tensor => {
  const op = 'softmaxCrossEntropy';
  const { reduction: requested, labelSmoothing } = lossOptions(op, options, { reduction: 'any', labelSmoothing: 'any' });
  const reduction = checkReduction(op, requested);
  // PyTorch's rule: a target of the scores' shape holds probabilities, anything else class labels.
  const probabilities = logits instanceof Tensor && labels instanceof Tensor && labels.ndim >= 2 && shapesEqual(labels.shape, logits.shape);
  if (probabilities || labelSmoothing !== undefined || (logits instanceof Tensor && logits.ndim > 2)) {
    const smoothing = checkSmoothing(op, labelSmoothing);
    if (probabilities || smoothing !== 0 || logits.ndim > 2) return general(op, logits, labels, probabilities, smoothing, reduction);
  }
  // The common case, [N, C] scores and class labels, is this fused loop (the training loop's hot path).
  const [n, c] = checkScores(op, logits);
  const y = checkLabels(op, labels, n, c);
  const z = logits.data;
  const p = newStorageUnfilled(n * c);
  const rows = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * c;
    // Subtracting the row max keeps every exponent <= 0: no overflow, and the result is unchanged.
    let max = -Infinity;
    for (let j = 0; j < c; j++) if (z[row + j]! > max) max = z[row + j]!;
    let s = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(z[row + j]! - max);
      p[row + j] = e;
      s += e;
    }
    rows[i] = max + Math.log(s) - z[row + y[i]!]!;
    const inv = 1 / s;
    for (let j = 0; j < c; j++) p[row + j]! *= inv;
  }
  return record(op, [logits], reduce(rows, reduction, [n]), (dy) => {
    // d/dz_ij = (p_ij - [j = y_i]) · g_i, with g_i = dy/N for the mean.
    const g = perSampleGradient(dy, reduction, n);
    const dz = newStorageUnfilled(n * c);
    for (let i = 0; i < n; i++) {
      const row = i * c;
      const gi = g[i]!;
      for (let j = 0; j < c; j++) dz[row + j] = p[row + j]! * gi;
      dz[row + y[i]!]! -= gi;
    }
    return [fromData(dz, logits.shape)];
    // p is what the rule keeps alive: listed as saved, so savedMemory counts it.
  }, [fromData(p, [n, c])], (dy) => {
    // The same (softmax(z) - onehot(y)) · g with recorded ops: softmax recomputed in the graph, since p is
    // a plain array.
    const onehot = new Float64Array(n * c);
    for (let i = 0; i < n; i++) onehot[i * c + y[i]!] = 1;
    return [mul(sub(softmax(logits, -1), fromData(onehot, logits.shape)), perSampleRecorded(dy, reduction, n, [n, 1]))];
    // The recorded rule reads the logits, which the first-order rule does not: checked under createGraph.
  }, [logits]);
});

function checkSmoothing(op: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ValueError(op, `labelSmoothing must be a number in [0, 1], got ${describeValue(value)}`);
  return value;
}

/**
 * Scores [N, C, d1, ...] (or [N, C] with smoothing or probability targets): the log-softmax along axis
 * 1 at each of the N·d1·... positions, then the loss against a target distribution q there (labels:
 * (1 - ε)·onehot(y) + ε/C; probabilities t: (1 - ε)·t + ε/C). dL/dz_c = (p_c·Σq - q_c)·g, which is
 * (p_c - q_c)·g for labels (Σq = 1); dL/dt_c = -(1 - ε)·log p_c·g.
 */
function general(op: string, logits: Tensor, labels: Labels, probabilities: boolean, smoothing: number, reduction: Reduction): Tensor {
  if (logits.ndim < 2) checkScores(op, logits);
  const shape = logits.shape;
  if (shape.includes(0)) throw new ShapeError(op, `scores of shape ${formatShape(shape)} are empty: the mean over the batch is undefined`);
  const n = shape[0]!;
  const c = shape[1]!;
  const rest = shape.slice(2);
  const inner = rest.reduce((a, b) => a * b, 1);
  const count = n * inner;
  const lossShape = [n, ...rest];
  let y: Int32Array | null = null;
  let t: Float64Array | null = null;
  if (probabilities) {
    t = (labels as Tensor).data;
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(t[i]!)) throw new ValueError(op, `probability target ${t[i]} at index ${i} is not finite`);
    }
  } else if (logits.ndim === 2) {
    y = checkLabels(op, labels, n, c);
  } else {
    if (!(labels instanceof Tensor) || !shapesEqual(labels.shape, lossShape)) {
      const got = labels instanceof Tensor ? `a tensor of shape ${formatShape(labels.shape)}` : `${describeValue(labels)}`;
      throw new ShapeError(op, `scores ${formatShape(shape)} take labels of shape ${formatShape(lossShape)} (a Tensor) or probability targets of shape ${formatShape(shape)}, got ${got}`);
    }
    y = checkLabels(op, labels.data, count, c);
  }
  const z = logits.data;
  const logp = newStorage(n * c * inner);
  const losses = newStorage(count);
  const keep = 1 - smoothing;
  const spread = smoothing / c;
  for (let b = 0; b < n; b++) {
    for (let s = 0; s < inner; s++) {
      const base = b * c * inner + s;
      // Subtracting the max keeps every exponent <= 0.
      let max = -Infinity;
      for (let j = 0; j < c; j++) if (z[base + j * inner]! > max) max = z[base + j * inner]!;
      let e = 0;
      for (let j = 0; j < c; j++) e += Math.exp(z[base + j * inner]! - max);
      const lse = max + Math.log(e);
      let loss = 0;
      let total = 0;
      for (let j = 0; j < c; j++) {
        const l = z[base + j * inner]! - lse;
        logp[base + j * inner] = l;
        if (t !== null) loss -= (keep * t[base + j * inner]! + spread) * l;
        else total += l;
      }
      const position = b * inner + s;
      if (y !== null) loss = -keep * logp[base + y[position]! * inner]! - (smoothing === 0 ? 0 : spread * total);
      losses[position] = loss;
    }
  }
  const inputs = t !== null ? [logits, labels as Tensor] : [logits];
  return record(op, inputs, reduce(losses, reduction, lossShape), (dy) => {
    const g = perSampleGradient(dy, reduction, count);
    const dz = newStorage(logp.length);
    const dt = t !== null && (labels as Tensor).requiresGrad ? newStorage(logp.length) : null;
    for (let b = 0; b < n; b++) {
      for (let s = 0; s < inner; s++) {
        const base = b * c * inner + s;
        const gi = g[b * inner + s]!;
        if (t === null) {
          for (let j = 0; j < c; j++) dz[base + j * inner] = (Math.exp(logp[base + j * inner]!) - spread) * gi;
          dz[base + y![b * inner + s]! * inner]! -= keep * gi;
          continue;
        }
        let mass = 0;
        for (let j = 0; j < c; j++) mass += keep * t[base + j * inner]! + spread;
        for (let j = 0; j < c; j++) {
          const k = base + j * inner;
          dz[k] = (Math.exp(logp[k]!) * mass - (keep * t[k]! + spread)) * gi;
          if (dt !== null) dt[k] = -keep * logp[k]! * gi;
        }
      }
    }
    return t !== null ? [fromData(dz, shape), dt === null ? null : fromData(dt, shape)] : [fromData(dz, shape)];
  }, t !== null ? [labels as Tensor] : [], (dy) => {
    // The same rule with recorded ops, for higher-order gradients: q and Σq as tensors, softmax and
    // log-softmax recomputed along axis 1.
    const perPosition = perSampleRecorded(dy, reduction, count, [n, 1, ...rest]);
    let q: Tensor;
    if (t !== null) q = add(mul(labels as Tensor, keep), spread);
    else {
      const target = new Float64Array(logp.length).fill(spread);
      for (let b = 0; b < n; b++) for (let s = 0; s < inner; s++) target[b * c * inner + y![b * inner + s]! * inner + s]! += keep;
      q = fromData(target, shape);
    }
    const dz = mul(sub(mul(softmax(logits, 1), sum(q, 1, true)), q), perPosition);
    if (t === null) return [dz];
    return [dz, (labels as Tensor).requiresGrad ? mul(neg(mul(logSoftmax(logits, 1), keep)), perPosition) : null];
  }, [logits]);
}

import { defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { checkLabels, checkScores, type Labels } from './labels.js';
import { checkReduction, lossOptions, perSampleGradient, perSampleRecorded, reduce, type Reduction } from './reduction.js';
import { mul, softmax, sub } from '@tensorgrad/ops';

export interface LossOptions {
  /** 'mean' over the batch (default), 'sum', or 'none' for one loss per row. */
  reduction?: Reduction;
}

/**
 * Softmax cross-entropy, mean over the batch: L = (1/N) Σ_i [log Σ_j e^{z_ij} - z_{i,y_i}], for logits z
 * of shape [N, C] and integer labels y. One fused kernel: the forward keeps the softmax p, and the
 * backward is dL/dz = (p - onehot(y)) / N, with no log or exp graph to walk. `{ reduction: 'sum' }` drops
 * the 1/N; `'none'` returns the N per-row losses.
 */
export const softmaxCrossEntropy = defineOp('softmaxCrossEntropy', (logits: Tensor, labels: Labels, options: LossOptions = {}): Tensor => {
  const op = 'softmaxCrossEntropy';
  const [n, c] = checkScores(op, logits);
  const y = checkLabels(op, labels, n, c);
  const reduction = checkReduction(op, lossOptions(op, options).reduction);
  const z = logits.data;
  const p = new Float64Array(n * c);
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
    const dz = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      const row = i * c;
      const gi = g[i]!;
      for (let j = 0; j < c; j++) dz[row + j] = p[row + j]! * gi;
      dz[row + y[i]!]! -= gi;
    }
    return [fromData(dz, logits.shape)];
  }, [], (dy) => {
    // The same (softmax(z) - onehot(y)) · g with recorded ops: softmax recomputed in the graph, since p is
    // a plain array.
    const onehot = new Float64Array(n * c);
    for (let i = 0; i < n; i++) onehot[i * c + y[i]!] = 1;
    return [mul(sub(softmax(logits, -1), fromData(onehot, logits.shape)), perSampleRecorded(dy, reduction, n, [n, 1]))];
  });
});

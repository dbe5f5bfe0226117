import { ValueError, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { checkLabels, checkScores, type Labels } from './labels.js';
import { checkReduction, lossOptions, perSampleGradient, perSampleRecorded, reduce } from './reduction.js';
import type { LossOptions } from './softmaxCrossEntropy.js';
import { mul, newStorage, newStorageUnfilled } from '@tensorgrad/ops';

export interface SvmLossOptions extends LossOptions {
  /** The margin Δ the correct class must win by (the course uses 1). */
  margin?: number;
}

/**
 * Multiclass SVM (hinge) loss, mean over the batch, as in the course:
 * L = (1/N) Σ_i Σ_{j≠y_i} max(0, s_ij - s_{i,y_i} + Δ). Fused: the forward records, per score, how many
 * times it enters the sum with a plus or minus sign, and the backward scales those counts by dy/N.
 */
export const svmLoss = defineOp('svmLoss', (scores: Tensor, labels: Labels, options: SvmLossOptions = {}): Tensor => {
  const op = 'svmLoss';
  const [n, c] = checkScores(op, scores);
  const y = checkLabels(op, labels, n, c);
  const { reduction: requested, margin = 1 } = lossOptions(op, options, { reduction: 'any', margin: 'any' });
  const reduction = checkReduction(op, requested);
  if (!Number.isFinite(margin) || margin < 0) throw new ValueError(op, `margin must be a finite non-negative number, got ${margin}`);
  const s = scores.data;
  // Local gradient of each row's loss w.r.t. its scores: +1 for every violating class, -count for the label.
  const coefficient = newStorage(n * c);
  const rows = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * c;
    const correct = s[row + y[i]!]!;
    let violations = 0;
    for (let j = 0; j < c; j++) {
      if (j === y[i]) continue;
      const m = s[row + j]! - correct + margin;
      // At the kink (m = 0) the hinge is flat: gradient 0, as max(0, m) routes nothing to a tie.
      if (m > 0) {
        rows[i]! += m;
        coefficient[row + j] = 1;
        violations++;
      }
    }
    coefficient[row + y[i]!] = 0 - violations; // 0 - 0 is +0, where -0 would print as -0
  }
  return record(op, [scores], reduce(rows, reduction, [n]), (dy) => {
    const g = perSampleGradient(dy, reduction, n);
    const ds = newStorageUnfilled(n * c);
    for (let i = 0; i < n; i++) {
      const gi = g[i]!;
      for (let k = i * c; k < (i + 1) * c; k++) ds[k] = coefficient[k]! * gi;
    }
    return [fromData(ds, scores.shape)];
    // The coefficients are what the rule keeps alive: listed as saved, so savedMemory counts them.
  }, [fromData(coefficient, scores.shape)], (dy) =>
    // The coefficients are constant in the scores away from the hinges' kinks: the second derivative is 0.
    [mul(fromData(coefficient, scores.shape), perSampleRecorded(dy, reduction, n, [n, 1]))]);
});

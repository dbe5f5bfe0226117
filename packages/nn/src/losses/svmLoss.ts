import { ValueError, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { checkLabels, checkScores, type Labels } from './labels.js';

export interface SvmLossOptions {
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
  const margin = options.margin ?? 1;
  if (!Number.isFinite(margin) || margin < 0) throw new ValueError(op, `margin must be a finite non-negative number, got ${margin}`);
  const s = scores.data;
  // Local gradient of each row's loss w.r.t. its scores: +1 for every violating class, -count for the label.
  const coefficient = new Float64Array(n * c);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    const correct = s[row + y[i]!]!;
    let violations = 0;
    for (let j = 0; j < c; j++) {
      if (j === y[i]) continue;
      const m = s[row + j]! - correct + margin;
      // At the kink (m = 0) the hinge is flat: gradient 0, as max(0, m) routes nothing to a tie.
      if (m > 0) {
        total += m;
        coefficient[row + j] = 1;
        violations++;
      }
    }
    coefficient[row + y[i]!] = 0 - violations; // 0 - 0 is +0, where -0 would print as -0
  }
  const loss = fromData(new Float64Array([total / n]), []);
  return record(op, [scores], loss, (dy) => {
    const g = dy.item() / n;
    const ds = new Float64Array(n * c);
    for (let k = 0; k < ds.length; k++) ds[k] = coefficient[k]! * g;
    return [fromData(ds, scores.shape)];
  });
});

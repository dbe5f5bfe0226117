import { defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { checkLabels, checkScores, type Labels } from './labels.js';

/**
 * Softmax cross-entropy, mean over the batch: L = (1/N) Σ_i [log Σ_j e^{z_ij} - z_{i,y_i}], for logits z
 * of shape [N, C] and integer labels y. One fused kernel: the forward keeps the softmax p, and the
 * backward is dL/dz = (p - onehot(y)) / N, with no log or exp graph to walk.
 */
export const softmaxCrossEntropy = defineOp('softmaxCrossEntropy', (logits: Tensor, labels: Labels): Tensor => {
  const op = 'softmaxCrossEntropy';
  const [n, c] = checkScores(op, logits);
  const y = checkLabels(op, labels, n, c);
  const z = logits.data;
  const p = new Float64Array(n * c);
  let total = 0;
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
    total += max + Math.log(s) - z[row + y[i]!]!;
    const inv = 1 / s;
    for (let j = 0; j < c; j++) p[row + j]! *= inv;
  }
  const loss = fromData(new Float64Array([total / n]), []);
  return record(op, [logits], loss, (dy) => {
    // d/dz_ij = (p_ij - [j = y_i]) / N, times the upstream scalar.
    const g = dy.item() / n;
    const dz = new Float64Array(n * c);
    for (let k = 0; k < dz.length; k++) dz[k] = p[k]! * g;
    for (let i = 0; i < n; i++) dz[i * c + y[i]!]! -= g;
    return [fromData(dz, logits.shape)];
  });
});

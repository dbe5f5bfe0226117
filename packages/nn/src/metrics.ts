import type { Tensor } from '@tensorgrad/core';
import { checkLabels, checkScores, type Labels } from './losses/labels.js';

/** The index of the largest score in each row of [N, C] scores (the first one on a tie), as NumPy's argmax(axis=1). */
export function predictClasses(scores: Tensor): Int32Array {
  const [n, c] = checkScores('predictClasses', scores);
  const s = scores.data;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (s[i * c + j]! > s[i * c + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** The fraction of rows whose largest score is the label's, in [0, 1]. */
export function accuracy(scores: Tensor, labels: Labels): number {
  const [n, c] = checkScores('accuracy', scores);
  const y = checkLabels('accuracy', labels, n, c);
  const predicted = predictClasses(scores);
  let correct = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === y[i]) correct++;
  return correct / n;
}

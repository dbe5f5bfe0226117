import { ShapeError, Tensor, ValueError, describeValue } from '@tensorgrad/core';

/** Class labels, one per row: a plain array, an Int32Array (or any typed array), or a 1-d Tensor of integers. */
export type Labels = readonly number[] | ArrayLike<number> | Tensor;

/**
 * Checks that there are `n` labels, each an integer in [0, classes), and returns them as an Int32Array
 * (the input itself when it already is one).
 */
export function checkLabels(op: string, labels: Labels, n: number, classes: number): Int32Array {
  let values: ArrayLike<number>;
  if (labels instanceof Tensor) {
    if (labels.ndim !== 1) throw new ShapeError(op, `labels must be 1-d, got a tensor of shape [${labels.shape.join(', ')}]`);
    values = labels.data;
  } else if (labels !== null && typeof labels === 'object' && typeof (labels as ArrayLike<number>).length === 'number') {
    values = labels as ArrayLike<number>;
  } else {
    throw new ValueError(op, `labels must be an array, a typed array or a 1-d Tensor, got ${describeValue(labels)}`);
  }
  if (values.length !== n) throw new ShapeError(op, `got ${values.length} labels for ${n} rows of scores`);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValueError(op, `label ${describeValue(v)} at index ${i} is not an integer`);
    if (v < 0 || v >= classes) throw new ValueError(op, `label ${v} at index ${i} is out of range for ${classes} classes (expected 0 <= label < ${classes})`);
  }
  return values instanceof Int32Array ? values : Int32Array.from(values);
}

/** Checks that scores are [N, C] with N >= 1 and C >= 1. */
export function checkScores(op: string, scores: Tensor): [number, number] {
  if (!(scores instanceof Tensor)) throw new ValueError(op, `expected a Tensor of scores, got ${describeValue(scores)}`);
  if (scores.ndim !== 2) throw new ShapeError(op, `scores must be [N, C], got shape [${scores.shape.join(', ')}]`);
  const [n, c] = scores.shape as [number, number];
  if (n === 0 || c === 0) throw new ShapeError(op, `scores of shape [${n}, ${c}] are empty: the mean over the batch is undefined`);
  return [n, c];
}

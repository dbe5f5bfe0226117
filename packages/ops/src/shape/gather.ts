import { ShapeError, Tensor, ValueError, defineOp, formatShape, fromData, normalizeAxis, record, shapesEqual } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';

/** Integer indices: a tensor, a plain array or a typed array. */
export type Indices = Tensor | ArrayLike<number>;

/**
 * Picks one entry per row along `axis`: for scores of shape [N, C] and labels y of shape [N],
 * `gather(scores, y)` is [scores[i, y_i]] (shape [N]). In general `indices` has the shape of `x`
 * without `axis` (the result has that shape), or the shape of `x` with length 1 at `axis` (as
 * PyTorch's gather / NumPy's take_along_axis; the result keeps that axis). Indices must be integers in
 * [0, x.shape[axis]). No gradient flows to the indices.
 */
export const gather = defineOp('gather', (a: TensorLike, indices: Indices, axis = -1): Tensor => {
  const x = asTensor(a, 'gather');
  const at = normalizeAxis(axis, x.ndim, 'gather');
  const reduced = x.shape.filter((_, i) => i !== at);
  const kept = x.shape.map((d, i) => (i === at ? 1 : d));
  if (!(indices instanceof Tensor) && (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number')) {
    throw new ValueError('gather', `indices must be a Tensor, an array or a typed array, got ${indices === null ? 'null' : typeof indices}`);
  }
  const idx = indices instanceof Tensor ? indices.data : indices;
  const idxShape = indices instanceof Tensor ? indices.shape : [idx.length];
  let shape: readonly number[];
  if (shapesEqual(idxShape, reduced)) shape = reduced;
  else if (shapesEqual(idxShape, kept)) shape = kept;
  else {
    throw new ShapeError('gather', `indices of shape ${formatShape(idxShape)} do not match x of shape ${formatShape(x.shape)} along axis ${at}: expected ${formatShape(reduced)} or ${formatShape(kept)}`);
  }
  const n = x.shape[at]!;
  let inner = 1;
  for (let i = at + 1; i < x.ndim; i++) inner *= x.shape[i]!;
  const count = idx.length;
  // Flat position in x of each picked entry, computed once and shared by forward and backward.
  const positions = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const v = idx[k]!;
    if (!Number.isInteger(v)) throw new ValueError('gather', `index ${v} at position ${k} is not an integer (x of shape ${formatShape(x.shape)}, axis ${at})`);
    if (v < 0 || v >= n) throw new ValueError('gather', `index ${v} at position ${k} is out of range [0, ${n}) for x of shape ${formatShape(x.shape)} along axis ${at}`);
    const outer = Math.floor(k / inner);
    positions[k] = (outer * n + v) * inner + (k - outer * inner);
  }
  const xd = x.data;
  const o = new Float64Array(count);
  for (let k = 0; k < count; k++) o[k] = xd[positions[k]!]!;
  // The backward scatters the upstream gradient back to the picked entries; every other entry gets 0.
  return record('gather', [x], fromData(o, shape), (dy) => {
    const g = dy.data;
    const dx = new Float64Array(x.size);
    for (let k = 0; k < count; k++) dx[positions[k]!] += g[k]!;
    return [fromData(dx, x.shape)];
  });
});

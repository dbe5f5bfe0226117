import { ShapeError, Tensor, ValueError, checkSize, defineOp, describeValue, formatShape, fromData, record, shapesEqual } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { lanes } from '../reduce/axes.js';
import { scatterRecorded } from './positions.js';
import { newStorage } from '../kernels/backend.js';

/** Integer indices: a tensor, a plain array or a typed array. */
export type Indices = Tensor | ArrayLike<number>;

/** The values and shape of integer-index arguments (shared with take). */
export function indexValues(indices: unknown, op: string): { idx: ArrayLike<number>; idxShape: readonly number[] } {
  if (!(indices instanceof Tensor) && (indices === null || typeof indices !== 'object' || typeof (indices as ArrayLike<number>).length !== 'number')) {
    throw new ValueError(op, `indices must be a Tensor, an array or a typed array, got ${describeValue(indices)}`);
  }
  if (Array.isArray(indices) && indices.some((v) => Array.isArray(v))) {
    throw new ValueError(op, 'indices must be flat: pass nested index lists as a tensor (tensor([[0, 1], [2, 0]]))');
  }
  const idx = indices instanceof Tensor ? indices.data : (indices as ArrayLike<number>);
  return { idx, idxShape: indices instanceof Tensor ? indices.shape : [idx.length] };
}

/**
 * Picks entries along `axis` by a per-lane index: NumPy's `take_along_axis`, PyTorch's `gather`. Its
 * main use is one entry per row: for scores of shape [N, C] and labels y of shape [N],
 * `gather(scores, y)` is [scores[i, y_i]] (shape [N]). `indices` takes one of two shapes:
 * - the shape of `x` without `axis` (one index per lane): the result has that shape;
 * - the shape of `x` with any length m at `axis` (m indices per lane, every other dimension equal to
 *   x's, no broadcasting): the result has that shape, result[..., j, ...] = x[..., indices[..., j, ...], ...].
 *   For a 1-d x this is plain selection: `gather(x, [2, 0, 2])` is [x[2], x[0], x[2]].
 * To select whole slices by a list of indices (NumPy's `take`, PyTorch's `index_select`), use `take`.
 * Indices must be integers in [0, x.shape[axis]). No gradient flows to the indices; the gradient of x
 * is the upstream gradient scattered back to the picked entries (added where an entry is picked twice).
 */
export const gather = defineOp('gather', (a: TensorLike, indices: Indices, axis: number = -1): Tensor => {
  const x = asTensor(a, 'gather');
  const { at, n, inner } = lanes(x.shape, axis, 'gather');
  const reduced = x.shape.filter((_, i) => i !== at);
  const { idx, idxShape } = indexValues(indices, 'gather');
  // m: indices per lane.
  let m: number;
  let shape: readonly number[];
  if (shapesEqual(idxShape, reduced)) {
    m = 1;
    shape = reduced;
  } else if (idxShape.length === x.ndim && idxShape.every((d, i) => i === at || d === x.shape[i])) {
    m = idxShape[at]!;
    shape = idxShape;
  } else {
    const along = `[${x.shape.map((d, i) => (i === at ? 'm' : String(d))).join(', ')}]`;
    throw new ShapeError('gather', `indices of shape ${formatShape(idxShape)} do not match x of shape ${formatShape(x.shape)} along axis ${at}: expected ${formatShape(reduced)} (one index per lane) or ${along} (m per lane); to select whole slices use take`);
  }
  checkSize('gather', shape);
  checkSize('gather', x.shape);
  const count = idx.length;
  // Flat position in x of each picked entry, computed once and shared by forward and backward.
  const positions = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const v = idx[k]!;
    if (!Number.isInteger(v)) throw new ValueError('gather', `index ${v} at position ${k} is not an integer (x of shape ${formatShape(x.shape)}, axis ${at})`);
    if (v < 0 || v >= n) throw new ValueError('gather', `index ${v} at position ${k} is out of range [0, ${n}) for x of shape ${formatShape(x.shape)} along axis ${at}`);
    const outer = Math.floor(k / (m * inner));
    positions[k] = (outer * n + v) * inner + (k % inner);
  }
  const xd = x.data;
  const o = newStorage(count);
  for (let k = 0; k < count; k++) o[k] = xd[positions[k]!]!;
  // The backward scatters the upstream gradient back to the picked entries; every other entry gets 0.
  return record('gather', [x], fromData(o, shape), (dy) => {
    const g = dy.data;
    const dx = newStorage(x.size);
    for (let k = 0; k < count; k++) dx[positions[k]!] += g[k]!;
    return [fromData(dx, x.shape)];
  }, [], (dy) => [scatterRecorded('gather', dy, positions, x.shape)]);
});

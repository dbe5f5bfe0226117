import { ValueError, checkSize, defineOp, formatShape, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { indexValues, type Indices } from './gather.js';
import { lanes } from '../reduce/axes.js';
import { scatterRecorded } from './positions.js';
import { newStorage } from '../kernels/backend.js';

/**
 * Selects whole slices of `x` along `axis` by index: NumPy's `take(x, indices, axis)`, PyTorch's
 * `index_select`. The result has shape x.shape[:axis] + indices.shape + x.shape[axis+1:], so
 * `take(E, tokens)` looks rows of an embedding table up and `take(x, [2, 0], 1)` is x[:, [2, 0]].
 * Indices are integers in [-n, n) (negative ones count from the end, as NumPy's); the same index may
 * repeat. The gradient of x is the upstream gradient scatter-added back to the selected slices: a
 * slice selected twice receives the sum of both gradients. No gradient flows to the indices.
 * (For one index per lane — scores[i, y_i] — use `gather`.)
 */
export const take = defineOp('take', (a: TensorLike, indices: Indices, axis: number = 0): Tensor => {
  const x = asTensor(a, 'take');
  const { at, outer, n, inner } = lanes(x.shape, axis, 'take');
  const { idx, idxShape } = indexValues(indices, 'take');
  const count = idx.length;
  const picked = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    const v = idx[j]!;
    if (!Number.isInteger(v)) throw new ValueError('take', `index ${v} at position ${j} is not an integer (x of shape ${formatShape(x.shape)}, axis ${at})`);
    if (v < -n || v >= n) throw new ValueError('take', `index ${v} at position ${j} is out of range [-${n}, ${n}) for x of shape ${formatShape(x.shape)} along axis ${at}`);
    picked[j] = v < 0 ? v + n : v;
  }
  const shape = [...x.shape.slice(0, at), ...idxShape, ...x.shape.slice(at + 1)];
  checkSize('take', shape);
  checkSize('take', x.shape);
  const xd = x.data;
  const o = newStorage(outer * count * inner);
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < count; j++) {
      const src = (p * n + picked[j]!) * inner;
      const dst = (p * count + j) * inner;
      for (let i = 0; i < inner; i++) o[dst + i] = xd[src + i]!;
    }
  }
  // Backward: each output slice's gradient is added back to the slice it was read from.
  return record('take', [x], fromData(o, shape), (dy) => {
    const g = dy.data;
    const dx = newStorage(x.size);
    for (let p = 0; p < outer; p++) {
      for (let j = 0; j < count; j++) {
        const src = (p * n + picked[j]!) * inner;
        const dst = (p * count + j) * inner;
        for (let i = 0; i < inner; i++) dx[src + i] += g[dst + i]!;
      }
    }
    return [fromData(dx, x.shape)];
  }, [], (dy) => {
    const positions = new Int32Array(outer * count * inner);
    for (let p = 0; p < outer; p++) {
      for (let j = 0; j < count; j++) {
        for (let i = 0; i < inner; i++) positions[(p * count + j) * inner + i] = (p * n + picked[j]!) * inner + i;
      }
    }
    return [scatterRecorded('take', dy, positions, x.shape)];
  });
});

import { checkSize, defineOp, fromData, normalizeAxes, record, sizeOf, type Tensor } from '@tensorgrad/core';
import { asTensor, checkKeepDims, type TensorLike } from '../util.js';
import { forEachRow, laneMax, reducedStrides } from './axes.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { exp } from '../unary/exp.js';
import { expandRecorded } from './expand.js';
import { where } from '../binary/where.js';
import { newStorage } from '../kernels/backend.js';

/**
 * y with its -Infinity lanes (lanes of x that are all -Infinity) replaced by a constant 0, for the recorded
 * rule: e^(x - y) is then e^-Infinity = 0 there, as the first-order rule gives, not e^NaN. y itself when no
 * lane is -Infinity.
 */
function finiteLanes(y: Tensor, r: Float64Array): Tensor {
  if (!r.includes(-Infinity)) return y;
  return where(fromData(r.map((v) => +(v === -Infinity)), y.shape), 0, y);
}

/**
 * log Σ e^x over `axis` (all axes by default; a number or a list, negative allowed), computed stably:
 * each lane's max m is taken out, m + log Σ e^(x - m), so logits of 1e300 give exact finite results
 * and a lane of -Infinity gives -Infinity. Its gradient is softmax(x) along the reduced axes.
 */
export const logsumexp = defineOp('logsumexp', (a: TensorLike, axis?: number | readonly number[] | null, keepDims?: boolean): Tensor => {
  const x = asTensor(a, 'logsumexp');
  keepDims = checkKeepDims(keepDims, 'logsumexp');
  const axes = normalizeAxes(axis, x.ndim, 'logsumexp');
  const { kept, strides } = reducedStrides(x.shape, axes);
  checkSize('logsumexp', x.shape);
  checkSize('logsumexp', keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i))); // larger than x when x has no values
  const d = x.data;
  const inner = x.ndim === 0 ? 1 : x.shape[x.ndim - 1]!;
  const step = x.ndim === 0 ? 0 : strides[x.ndim - 1]!;
  const m = laneMax(d, x.shape, strides, sizeOf(kept));
  // Shift by the max when it is finite; ±Infinity and NaN lanes come out right unshifted.
  for (let k = 0; k < m.length; k++) if (!Number.isFinite(m[k]!)) m[k] = 0;
  const s = new Float64Array(m.length);
  forEachRow(x.shape, strides, (base, oo) => {
    for (let j = 0; j < inner; j++) {
      const k = oo + j * step;
      s[k] += Math.exp(d[base + j]! - m[k]!);
    }
  });
  const r = newStorage(m.length);
  for (let k = 0; k < r.length; k++) r[k] = m[k]! + Math.log(s[k]!);
  const shape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  const y = fromData(r, shape);
  // dx = dy · e^(x - lse): the softmax over the reduced axes (0 for a lane that is all -Infinity).
  return record(
    'logsumexp',
    [x],
    y,
    (dy) => {
      const xd = x.data;
      const g = dy.data;
      const dx = newStorage(xd.length);
      forEachRow(x.shape, strides, (base, oo) => {
        for (let j = 0; j < inner; j++) {
          const k = oo + j * step;
          if (r[k] !== -Infinity) dx[base + j] = g[k]! * Math.exp(xd[base + j]! - r[k]!);
        }
      });
      return [fromData(dx, x.shape)];
    },
    [x, y], // the rule reads r, y's storage: an in-place write to y must fail the backward
    (dy) => [mul(expandRecorded(dy, kept, x.shape), exp(sub(x, expandRecorded(finiteLanes(y, r), kept, x.shape))))],
  );
});

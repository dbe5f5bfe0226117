import { ValueError, checkSize, defineOp, fromData, normalizeAxes, record, sizeOf, type Tensor } from '@tensorgrad/core';
import { asTensor, checkKeepDims, type TensorLike } from '../util.js';
import { forEachRow, laneMax, reducedStrides } from '../reduce/axes.js';
import { div } from '../binary/div.js';
import { mul } from '../binary/mul.js';
import { where } from '../binary/where.js';
import { expandRecorded } from '../reduce/expand.js';
import { broadcastTo } from '../shape/broadcastTo.js';
import { reshape } from '../shape/reshape.js';
import { signOf } from '../unary/masks.js';
import { newStorage } from '../kernels/backend.js';

/**
 * The vector norm of `x` over `axis` (all axes by default, as one long vector; a number or a list,
 * negative allowed), as NumPy's `linalg.vector_norm` / PyTorch's `linalg.vector_norm`:
 * - `ord = 2` (default): sqrt(Σ x²), each lane scaled by its largest magnitude first so that squares
 *   of huge (or tiny) entries neither overflow nor underflow (as hypot does);
 * - `ord = 1`: Σ |x|;
 * - `ord = Infinity`: max |x|.
 * Any other `ord` is refused (a ValueError), so that `x.norm(3)` never silently means something else.
 * Gradients at the kinks are the subgradient 0 (PyTorch's choice): the 2-norm of a zero lane, |x| at
 * x = 0; for `Infinity` the gradient is split equally among entries tied for the largest magnitude
 * (as for `max`).
 */
export const norm = defineOp('norm', (a: TensorLike, ord: number = 2, axis?: number | readonly number[] | null, keepDims?: boolean): Tensor => {
  const x = asTensor(a, 'norm');
  if (ord !== 1 && ord !== 2 && ord !== Infinity) {
    throw new ValueError('norm', `ord must be 1, 2 or Infinity, got ${typeof ord === 'string' ? `'${ord}'` : String(ord)}`);
  }
  keepDims = checkKeepDims(keepDims, 'norm');
  const axes = normalizeAxes(axis, x.ndim, 'norm');
  const { kept, strides } = reducedStrides(x.shape, axes);
  checkSize('norm', x.shape);
  checkSize('norm', keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i))); // larger than x when x has no values
  const d = x.data;
  const inner = x.ndim === 0 ? 1 : x.shape[x.ndim - 1]!;
  const step = x.ndim === 0 ? 0 : strides[x.ndim - 1]!;
  // Largest magnitude of each lane: the result for Infinity, the scale for 2.
  const big = laneMax(d, x.shape, strides, sizeOf(kept), true);
  let r: Float64Array;
  if (ord === Infinity) r = big;
  else {
    r = new Float64Array(big.length);
    forEachRow(x.shape, strides, (base, oo) => {
      for (let j = 0; j < inner; j++) {
        const k = oo + j * step;
        if (ord === 1) r[k] += Math.abs(d[base + j]!);
        else if (big[k]! > 0 && Number.isFinite(big[k]!)) {
          const v = d[base + j]! / big[k]!;
          r[k] += v * v;
        }
      }
    });
    if (ord === 2) for (let k = 0; k < r.length; k++) r[k] = big[k]! > 0 && Number.isFinite(big[k]!) ? big[k]! * Math.sqrt(r[k]!) : big[k]!; // 0, Infinity or NaN
  }
  const shape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  const y = fromData(r, shape);
  return record(
    'norm',
    [x],
    y,
    (dy) => {
      const xd = x.data;
      const g = dy.data;
      const dx = newStorage(xd.length);
      // ord 2: d||x|| = x / ||x|| dy (0 on a zero lane). ord 1: sign(x) dy. Infinity: sign(x) dy at the
      // entries of largest magnitude, shared equally among ties.
      const count = new Float64Array(r.length);
      if (ord === Infinity) {
        forEachRow(x.shape, strides, (base, oo) => {
          for (let j = 0; j < inner; j++) count[oo + j * step] += +(Math.abs(xd[base + j]!) === r[oo + j * step]);
        });
      }
      forEachRow(x.shape, strides, (base, oo) => {
        for (let j = 0; j < inner; j++) {
          const k = oo + j * step;
          const v = xd[base + j]!;
          const sign = +(v > 0) - +(v < 0);
          if (ord === 2) dx[base + j] = r[k]! > 0 ? (g[k]! * v) / r[k]! : 0;
          else if (ord === 1) dx[base + j] = g[k]! * sign;
          else if (Math.abs(v) === r[k] && r[k]! > 0) dx[base + j] = (g[k]! * sign) / count[k]!;
        }
      });
      return [fromData(dx, x.shape)];
    },
    [x, y], // the rule reads r, y's storage: an in-place write to y must fail the backward
    (dy) => {
      const g = expandRecorded(dy, kept, x.shape);
      if (ord === 1) return [mul(g, signOf(x))];
      if (ord === 2) {
        // x / ||x||, with 1 in place of a zero norm (whose lane of x is 0): no 0/0 in the graph.
        const positive = fromData(Float64Array.from(r, (v) => +(v > 0)), kept);
        return [mul(g, div(x, broadcastTo(where(positive, reshape(y, kept), 1), x.shape)))];
      }
      // Infinity: sign(x) / count at the lane's largest magnitude, constant in x away from ties.
      const xd = x.data;
      const count = new Float64Array(r.length);
      forEachRow(x.shape, strides, (base, oo) => {
        for (let j = 0; j < inner; j++) count[oo + j * step] += +(Math.abs(xd[base + j]!) === r[oo + j * step]);
      });
      const w = newStorage(xd.length);
      forEachRow(x.shape, strides, (base, oo) => {
        for (let j = 0; j < inner; j++) {
          const k = oo + j * step;
          const v = xd[base + j]!;
          if (Math.abs(v) === r[k] && r[k]! > 0) w[base + j] = (+(v > 0) - +(v < 0)) / count[k]!;
        }
      });
      return [mul(g, fromData(w, x.shape))];
    },
  );
});

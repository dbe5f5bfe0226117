import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { laneMax, lanes, reducedStrides } from '../reduce/axes.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { sum } from '../reduce/sum.js';
import { newStorage } from '../kernels/backend.js';

/**
 * e^x / Σ e^x along `axis` (the last by default). Stable for large logits: each lane's max is subtracted
 * first (softmax is unchanged by a shift), so e^(x - max) <= 1 never overflows; NaN propagates.
 *
 * Fused rather than composed from max, sub, exp, sum and div (that composite is the test oracle): one
 * output array forward and one backward instead of about ten, which pays on every step.
 */
export const softmax = defineOp('softmax', (a: TensorLike, axis: number = -1): Tensor => {
  const x = asTensor(a, 'softmax');
  checkSize('softmax', x.shape);
  const { at, outer, n, inner } = lanes(x.shape, axis, 'softmax');
  const xd = x.data;
  const lanesMax = laneMax(xd, x.shape, reducedStrides(x.shape, [at]).strides, outer * inner);
  const p = newStorage(xd.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      const m = lanesMax[o * inner + i]!;
      let s = 0;
      for (let k = 0; k < n; k++) {
        const e = Math.exp(xd[base + k * inner]! - m);
        p[base + k * inner] = e;
        s += e;
      }
      for (let k = 0; k < n; k++) p[base + k * inner]! /= s;
    }
  }
  const y = fromData(p, x.shape);
  // dx = y ⊙ (dy - Σ_k dy_k y_k) along the axis: the softmax Jacobian diag(y) - y yᵀ applied to dy,
  // without forming it.
  return record(
    'softmax',
    [x],
    y,
    (dy) => {
      const g = dy.data;
      const dx = newStorage(g.length);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let dot = 0;
          for (let k = 0; k < n; k++) dot += g[base + k * inner]! * p[base + k * inner]!;
          for (let k = 0; k < n; k++) dx[base + k * inner] = p[base + k * inner]! * (g[base + k * inner]! - dot);
        }
      }
      return [fromData(dx, x.shape)];
    },
    [y],
    (dy) => [mul(y, sub(dy, sum(mul(dy, y), at, true)))],
  );
});

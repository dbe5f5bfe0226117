import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { laneMax, lanes, reducedStrides } from '../reduce/axes.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { sum } from '../reduce/sum.js';
import { exp } from '../unary/exp.js';
import { newStorage } from '../kernels/backend.js';

/**
 * x - log Σ e^x along `axis` (the last by default), as log-sum-exp with each lane's max m subtracted
 * first: logSoftmax = (x - m) - log Σ e^(x - m). Every e^(x - m) is at most 1 and the largest is exactly
 * 1, so nothing overflows and the log never sees 0, even for logits like 1e300. NaN propagates.
 *
 * Fused rather than composed from max, sub, exp, sum and log (that composite is the test oracle): one
 * output array forward and one backward.
 */
export const logSoftmax = defineOp('logSoftmax', (a: TensorLike, axis: number = -1): Tensor => {
  const x = asTensor(a, 'logSoftmax');
  checkSize('logSoftmax', x.shape);
  const { at, outer, n, inner } = lanes(x.shape, axis, 'logSoftmax');
  const xd = x.data;
  const lanesMax = laneMax(xd, x.shape, reducedStrides(x.shape, [at]).strides, outer * inner);
  const out = newStorage(xd.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      const m = lanesMax[o * inner + i]!;
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(xd[base + k * inner]! - m);
      const logS = Math.log(s);
      for (let k = 0; k < n; k++) out[base + k * inner] = xd[base + k * inner]! - m - logS;
    }
  }
  const y = fromData(out, x.shape);
  // dx = dy - softmax(x) Σ_k dy_k along the axis, with softmax(x) = e^y recomputed from the output.
  return record(
    'logSoftmax',
    [x],
    y,
    (dy) => {
      const g = dy.data;
      const dx = newStorage(g.length);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let total = 0;
          for (let k = 0; k < n; k++) total += g[base + k * inner]!;
          for (let k = 0; k < n; k++) dx[base + k * inner] = g[base + k * inner]! - Math.exp(out[base + k * inner]!) * total;
        }
      }
      return [fromData(dx, x.shape)];
    },
    [y],
    (dy) => [sub(dy, mul(exp(y), sum(dy, at, true)))],
  );
});

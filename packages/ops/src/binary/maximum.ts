import { defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { broadcastRows, unbroadcast, type RowKernel } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { newStorageUnfilled } from '../kernels/backend.js';

const maxRow: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) o[oo + j] = Math.max(x[xo + j * xs]!, y[yo + j * ys]!);
};

/** Share of the upstream gradient that goes to `a`: 1 where a > b, 0 where a < b, 1/2 at a tie. */
const shareRow: RowKernel = (o, oo, x, xo, xs, y, yo, ys, n) => {
  for (let j = 0; j < n; j++) {
    const p = x[xo + j * xs]!;
    const q = y[yo + j * ys]!;
    o[oo + j] = +(p > q) + 0.5 * +(p === q);
  }
};

/**
 * Elementwise max(a, b) with NumPy broadcasting (NaN propagates). The max gate routes: all of the
 * upstream gradient goes to the larger input, none to the smaller. At a tie (a == b) it is split
 * equally, half to each — the symmetric choice (as PyTorch's maximum), and the one a centered finite
 * difference measures at the kink.
 */
export const maximum = defineOp('maximum', (a: TensorLike, b: TensorLike): Tensor => {
  const x = asTensor(a, 'maximum');
  const y = asTensor(b, 'maximum');
  return record(
    'maximum',
    [x, y],
    broadcastRows('maximum', x, y, maxRow),
    (dy) => {
      const share = broadcastRows('maximum', x, y, shareRow);
      const g = dy.data;
      const s = share.data;
      const da = newStorageUnfilled(s.length);
      const db = newStorageUnfilled(s.length);
      for (let i = 0; i < s.length; i++) {
        da[i] = g[i]! * s[i]!;
        db[i] = g[i]! * (1 - s[i]!);
      }
      return [
        x.requiresGrad ? unbroadcast(fromData(da, share.shape), x.shape) : null,
        y.requiresGrad ? unbroadcast(fromData(db, share.shape), y.shape) : null,
      ];
    },
    [x, y],
    (dy) => {
      // The share is constant in a and b away from ties: the second derivative is 0 there.
      const share = broadcastRows('maximum', x, y, shareRow);
      return [
        x.requiresGrad ? unbroadcast(mul(dy, share), x.shape) : null,
        y.requiresGrad ? unbroadcast(mul(dy, sub(1, share)), y.shape) : null,
      ];
    },
  );
});

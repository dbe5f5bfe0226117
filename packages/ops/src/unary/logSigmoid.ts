import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { neg } from './neg.js';
import { sigmoid } from './sigmoid.js';
import { newStorage } from '../kernels/backend.js';

/**
 * log σ(x) = -log(1 + e^-x), computed as min(x, 0) - log1p(e^(-|x|)) (PyTorch's form): finite at x = ±1000,
 * where log(sigmoid(x)) is log(0) = -Infinity for x = -1000.
 */
export const logSigmoid = defineOp('logSigmoid', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'logSigmoid');
  checkSize('logSigmoid', x.shape);
  const d = x.data;
  const o = newStorage(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    o[i] = Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)));
  }
  // d log σ(x) = (1 - σ(x)) dx = σ(-x) dx, on the side of x whose exponential cannot overflow.
  return record(
    'logSigmoid',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorage(g.length);
      for (let i = 0; i < g.length; i++) {
        const v = xd[i]!;
        let s: number;
        if (v >= 0) {
          const e = Math.exp(-v);
          s = e / (1 + e);
        } else s = 1 / (1 + Math.exp(v));
        dx[i] = g[i]! * s;
      }
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [mul(dy, sigmoid(neg(x)))],
  );
});

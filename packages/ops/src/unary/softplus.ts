import { ValueError, checkSize, defineOp, describeValue, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { where } from '../binary/where.js';
import { mask } from './masks.js';
import { sigmoid } from './sigmoid.js';
import { newStorage } from '../kernels/backend.js';

/**
 * log(1 + e^(βx)) / β, a smooth relu: PyTorch's `softplus(x, beta, threshold)`. Where βx > threshold the
 * result is x itself (the difference is below e^-threshold), as in PyTorch; elsewhere it is computed as
 * max(βx, 0) + log1p(e^(-|βx|)), so that e^(βx) never overflows, whatever the threshold.
 */
export const softplus = defineOp('softplus', (a: TensorLike, beta: number = 1, threshold: number = 20): Tensor => {
  const x = asTensor(a, 'softplus');
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta === 0) throw new ValueError('softplus', `beta must be a finite non-zero number, got ${describeValue(beta)}`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new ValueError('softplus', `threshold must be a number, got ${describeValue(threshold)}`);
  checkSize('softplus', x.shape);
  const d = x.data;
  const o = newStorage(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    const z = v * beta;
    o[i] = z > threshold ? v : (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))) / beta;
  }
  // d softplus = σ(βx) dx (1 where βx > threshold, as the forward is x there), σ computed on the side of
  // βx whose exponential cannot overflow.
  return record(
    'softplus',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorage(g.length);
      for (let i = 0; i < g.length; i++) {
        const z = xd[i]! * beta;
        let s: number;
        if (z > threshold) s = 1;
        else if (z >= 0) s = 1 / (1 + Math.exp(-z));
        else {
          const e = Math.exp(z);
          s = e / (1 + e);
        }
        dx[i] = g[i]! * s;
      }
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [mul(dy, where(mask(x, (v) => v * beta <= threshold), sigmoid(mul(x, beta)), 1))],
  );
});

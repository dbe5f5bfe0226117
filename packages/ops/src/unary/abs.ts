import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { signOf } from './masks.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** |x|. */
export const abs = defineOp('abs', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'abs');
  checkSize('abs', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) o[i] = Math.abs(d[i]!);
  // d|x| = sign(x) dx. At the kink x = 0 the gradient is 0 (the subgradient PyTorch and JAX pick).
  return record(
    'abs',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! * (+(xd[i]! > 0) - +(xd[i]! < 0));
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [mul(dy, signOf(x))],
  );
});

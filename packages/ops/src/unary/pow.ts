import { ValueError, checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { newStorage, newStorageUnfilled } from '../kernels/backend.js';

/** x^p for a number exponent p (Math.pow semantics: NaN for a negative base and a fractional p). */
export const pow = defineOp('pow', (a: TensorLike, p: number): Tensor => {
  const x = asTensor(a, 'pow');
  checkSize('pow', x.shape);
  if (typeof p !== 'number' || Number.isNaN(p)) throw new ValueError('pow', `the exponent must be a number, got ${String(p)}`);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  if (p === 2) for (let i = 0; i < d.length; i++) o[i] = d[i]! * d[i]!;
  else for (let i = 0; i < d.length; i++) o[i] = Math.pow(d[i]!, p);
  // d(x^p) = p x^(p-1) dx. For p = 0 the gradient is exactly 0 everywhere, even at x = 0 where
  // 0 * 0^-1 would give NaN.
  return record(
    'pow',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorage(g.length);
      if (p !== 0) for (let i = 0; i < g.length; i++) dx[i] = g[i]! * p * Math.pow(xd[i]!, p - 1);
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [p === 0 ? mul(dy, 0) : mul(dy, mul(pow(x, p - 1), p))],
  );
});

import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { lanes } from './axes.js';
import { flip } from '../shape/flip.js';
import { newStorage } from '../kernels/backend.js';

/**
 * Running sums along `axis` (negative counts from the end): y_k = x_0 + ... + x_k, PyTorch's `cumsum`
 * (the axis is required, as there). The gradient is the running sum from the other end,
 * dx_k = dy_k + ... + dy_(n-1).
 */
export const cumsum = defineOp('cumsum', (a: TensorLike, axis: number): Tensor => {
  const x = asTensor(a, 'cumsum');
  // A 0-d x is one lane of one entry (axis 0 or -1), as in PyTorch.
  const { at, outer, n, inner } = lanes(x.ndim === 0 ? [1] : x.shape, axis, 'cumsum');
  checkSize('cumsum', x.shape);
  const d = x.data;
  const o = newStorage(d.length);
  for (let p = 0; p < outer; p++) {
    const base = p * n * inner;
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) {
        const j = base + k * inner + i;
        s += d[j]!;
        o[j] = s;
      }
    }
  }
  return record(
    'cumsum',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const dx = newStorage(g.length);
      for (let p = 0; p < outer; p++) {
        const base = p * n * inner;
        for (let i = 0; i < inner; i++) {
          let s = 0;
          for (let k = n - 1; k >= 0; k--) {
            const j = base + k * inner + i;
            s += g[j]!;
            dx[j] = s;
          }
        }
      }
      return [fromData(dx, x.shape)];
    },
    [],
    // The reversed running sum as recorded ops: flip, cumsum, flip back.
    (dy) => (x.ndim === 0 ? [dy] : [flip(cumsum(flip(dy, [at]), at), [at])]),
  );
});

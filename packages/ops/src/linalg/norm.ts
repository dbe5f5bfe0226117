import { defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';

/**
 * The Euclidean norm sqrt(Σ x²) over every entry, a 0-d tensor. Scaled by the largest magnitude
 * first, so that squares of huge (or tiny) entries neither overflow nor underflow (as hypot does).
 */
export const norm = defineOp('norm', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'norm');
  const d = x.data;
  let scale = 0;
  for (let i = 0; i < d.length; i++) scale = Math.max(scale, Math.abs(d[i]!));
  let r = 0;
  if (scale > 0 && Number.isFinite(scale)) {
    let s = 0;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]! / scale;
      s += v * v;
    }
    r = scale * Math.sqrt(s);
  } else if (scale !== 0) r = scale; // Infinity or NaN
  // d||x|| = x / ||x|| dy. At x = 0 the norm has a kink (a cone); we return the subgradient 0, as
  // PyTorch's linalg.norm does, instead of 0/0 = NaN.
  return record(
    'norm',
    [x],
    fromData(new Float64Array([r]), []),
    (dy) => {
      const xd = x.data;
      const dx = new Float64Array(xd.length);
      if (r > 0) {
        const g = dy.item();
        for (let i = 0; i < xd.length; i++) dx[i] = (g * xd[i]!) / r;
      }
      return [fromData(dx, x.shape)];
    },
    [x],
  );
});

import { checkSize, defineOp, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { where } from '../binary/where.js';
import { mask } from './masks.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** max(x, 0) elementwise: x where x > 0, +0 elsewhere, NaN stays NaN. */
export const relu = defineOp('relu', (a: TensorLike): Tensor => {
  const x = asTensor(a, 'relu');
  checkSize('relu', x.shape);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) {
    // Branch-free: Math.max(v, 0) compiles to compares and jumps, and on pre-activations, whose signs
    // are random, half of those jumps are mispredicted (KERNELS.md, Measured). v·[v > 0] needs no jump;
    // + 0 turns the -0 of a negative v into +0. It is wrong only where it gives NaN for a
    // non-NaN v (v = -Infinity: -Infinity·0), a jump that is all but never taken, so always predicted.
    const v = d[i]!;
    let r = v * +(v > 0) + 0;
    if (r !== r && v === v) r = 0;
    o[i] = r;
  }
  return record(
    'relu',
    [x],
    fromData(o, x.shape),
    (dy) => {
      // d relu = dy * [x > 0]: a mask, never the (diagonal) Jacobian. Branch-free; the kink at 0 gets 0.
      const g = dy.data;
      const xd = x.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) {
        const m = +(xd[i]! > 0);
        let r = g[i]! * m;
        // A masked entry passes nothing, as in PyTorch, even an infinite or NaN dy (∞·0 would be NaN).
        if (r !== r && m === 0) r = 0;
        dx[i] = r;
      }
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [where(mask(x, (v) => v > 0), dy, 0)],
  );
});

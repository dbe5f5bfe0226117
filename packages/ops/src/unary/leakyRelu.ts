import { ValueError, checkSize, defineOp, describeValue, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { mul } from '../binary/mul.js';
import { newStorageUnfilled } from '../kernels/backend.js';

/** x where x > 0, negativeSlope·x elsewhere: PyTorch's `leaky_relu` (default slope 0.01). */
export const leakyRelu = defineOp('leakyRelu', (a: TensorLike, negativeSlope: number = 0.01): Tensor => {
  const x = asTensor(a, 'leakyRelu');
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw new ValueError('leakyRelu', `negativeSlope must be a finite number, got ${describeValue(negativeSlope)}`);
  }
  checkSize('leakyRelu', x.shape);
  // The factor is looked up by the sign test rather than branched on: pre-activation signs are random, so
  // a branch would be mispredicted half the time (relu's reason, KERNELS.md, Measured).
  const factor = new Float64Array([negativeSlope, 1]);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    o[i] = v * factor[+(v > 0)]!;
  }
  // d leakyRelu = dy where x > 0, negativeSlope·dy elsewhere (the kink at 0 gets the slope, as PyTorch's).
  return record(
    'leakyRelu',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorageUnfilled(g.length);
      for (let i = 0; i < g.length; i++) dx[i] = g[i]! * factor[+(xd[i]! > 0)]!;
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [mul(dy, fromData(Float64Array.from(x.data, (v) => factor[+(v > 0)]!), x.shape))],
  );
});

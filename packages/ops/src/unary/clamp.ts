import { ValueError, checkSize, defineOp, describeValue, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { where } from '../binary/where.js';
import { mask } from './masks.js';
import { newStorage, newStorageUnfilled } from '../kernels/backend.js';

function bound(v: unknown, name: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ValueError('clamp', `${name} must be a number, null or undefined (no bound), got ${describeValue(v)}`);
  return v;
}

/**
 * Limits x to [min, max] (either bound may be omitted with null or undefined): PyTorch's `clamp`,
 * NumPy's `clip`. With min > max every entry becomes max, as in both. NaN entries stay NaN.
 *
 * Gradient: dy passes where min <= x <= max — the boundaries included, as PyTorch does — and is 0
 * where x was clipped. (At a boundary the function has a kink; passing the gradient there keeps a
 * value sitting exactly on the bound trainable, e.g. probabilities clamped to [0, 1].)
 */
export const clamp = defineOp('clamp', (a: TensorLike, min?: number | null, max?: number | null): Tensor => {
  const x = asTensor(a, 'clamp');
  checkSize('clamp', x.shape);
  const lo = bound(min, 'min', -Infinity);
  const hi = bound(max, 'max', Infinity);
  const d = x.data;
  const o = newStorageUnfilled(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    o[i] = v < lo ? (lo > hi ? hi : lo) : v > hi ? hi : v;
  }
  return record(
    'clamp',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorage(g.length);
      for (let i = 0; i < g.length; i++) if (xd[i]! >= lo && xd[i]! <= hi) dx[i] = g[i]!;
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [where(mask(x, (v) => v >= lo && v <= hi), dy, 0)],
  );
});

import { Tensor, ValueError, broadcastShapes, checkSize, defineOp, describeValue, fromData, noGrad, record, sizeOf } from '@tensorgrad/core';
import { broadcastTo } from '../shape/broadcastTo.js';
import { unbroadcast } from '../broadcast.js';
import { asTensor, type TensorLike } from '../util.js';
import { newStorage, newStorageUnfilled } from '../kernels/backend.js';

/**
 * Entrywise choice: a where `condition` is non-zero, b elsewhere (NumPy's and PyTorch's `where`), with
 * the three broadcast together. `condition` is a tensor (any non-zero value counts as true; NaN too) or a
 * number; it receives no gradient. The gradient goes to a where the condition holds and to b elsewhere,
 * summed back over broadcast dimensions.
 */
export const where = defineOp('where', (condition: TensorLike, a: TensorLike, b: TensorLike): Tensor => {
  if (!(condition instanceof Tensor) && typeof condition !== 'number') {
    throw new ValueError('where', `condition must be a Tensor or a number, got ${condition === null ? 'null' : Array.isArray(condition) ? 'an Array (wrap it with tensor(...))' : describeValue(condition)}`);
  }
  const c = asTensor(condition, 'where');
  const x = asTensor(a, 'where');
  const y = asTensor(b, 'where');
  const shape = broadcastShapes('where', c.shape, x.shape, y.shape);
  checkSize('where', shape);
  // Broadcast views outside the graph, read once into row-major arrays.
  const [cd, xd, yd] = noGrad(() => [c, x, y].map((t) => broadcastTo(t.detach(), shape).data));
  const mask = new Uint8Array(sizeOf(shape));
  const o = newStorageUnfilled(mask.length);
  for (let i = 0; i < o.length; i++) {
    mask[i] = cd![i] !== 0 ? 1 : 0;
    o[i] = mask[i] ? xd![i]! : yd![i]!;
  }
  const chosen = (): Tensor => fromData(Float64Array.from(mask), shape);
  const recorded = (dy: Tensor): (Tensor | null)[] => {
    const m = chosen();
    return [
      x.requiresGrad ? unbroadcast(where(m, dy, 0), x.shape) : null,
      y.requiresGrad ? unbroadcast(where(m, 0, dy), y.shape) : null,
    ];
  };
  return record('where', [x, y], fromData(o, shape), (dy) => {
    const g = dy.data;
    const ga = newStorage(g.length);
    const gb = newStorage(g.length);
    for (let i = 0; i < g.length; i++) {
      if (mask[i]) ga[i] = g[i]!;
      else gb[i] = g[i]!;
    }
    return [
      x.requiresGrad ? unbroadcast(fromData(ga, shape), x.shape) : null,
      y.requiresGrad ? unbroadcast(fromData(gb, shape), y.shape) : null,
    ];
  }, [], recorded);
});

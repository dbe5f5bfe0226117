import { fromData, record, type Shape, type Tensor } from '@tensorgrad/core';
import { newStorage } from '../kernels/backend.js';

/**
 * The recorded rules of the selecting ops (slice, gather, take): each output entry k reads x at flat
 * position `positions[k]`, so the backward scatters the upstream gradient back there (adding where a
 * position repeats), and the backward of that scatter picks the same positions again. The two linear
 * maps are each other's rule, so gradients through them can be differentiated any number of times.
 */
export function scatterRecorded(op: string, dy: Tensor, positions: Int32Array, shape: Shape): Tensor {
  const g = dy.data;
  const dx = newStorage(shape.reduce((n, d) => n * d, 1));
  for (let k = 0; k < positions.length; k++) dx[positions[k]!] += g[k]!;
  const rule = (ddx: Tensor): Tensor[] => [pickRecorded(op, ddx, positions, dy.shape)];
  return record(`${op}.backward`, [dy], fromData(dx, shape), rule, [], rule);
}

/** The entries of `x` at `positions`, shaped `shape`, in the graph: the adjoint of scatterRecorded. */
export function pickRecorded(op: string, x: Tensor, positions: Int32Array, shape: Shape): Tensor {
  const d = x.data;
  const o = newStorage(positions.length);
  for (let k = 0; k < positions.length; k++) o[k] = d[positions[k]!]!;
  const rule = (dy: Tensor): Tensor[] => [scatterRecorded(op, dy, positions, x.shape)];
  return record(op, [x], fromData(o, shape), rule, [], rule);
}

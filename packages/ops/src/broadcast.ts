import { Tensor, broadcastShapes, checkSize, contiguousStrides, fromData, isGradEnabled, shapesEqual, type Shape } from '@tensorgrad/core';
import { sum, sumKernel } from './reduce/sum.js';
import { reshape } from './shape/reshape.js';
import { newStorageUnfilled } from './kernels/backend.js';

/** Strides that read `shape` (right-aligned) as if broadcast to `target`: 0 along broadcast axes. */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = contiguousStrides(shape);
  const lead = target.length - shape.length;
  return target.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]!));
}

/**
 * One row of a binary elementwise op: `o[oo + j] = f(x[xo + j*xs], y[yo + j*ys])` for j < n. Each op
 * writes its own loop, so the per-element work is a plain expression, not a closure call; the
 * broadcasting walk calls the row function once per output row (once in all for same-shape operands).
 */
export type RowKernel = (o: Float64Array, oo: number, x: Float64Array, xo: number, xs: number, y: Float64Array, yo: number, ys: number, n: number) => void;

/**
 * Elementwise binary op with NumPy broadcasting, computed row by row with `row`. Same-shape and
 * scalar operands take a single flat call; the general case walks the output rows with an odometer.
 */
export function broadcastRows(op: string, a: Tensor, b: Tensor, row: RowKernel): Tensor {
  const same = shapesEqual(a.shape, b.shape);
  const shape = same ? a.shape : broadcastShapes(op, a.shape, b.shape);
  // The result, and the operands read in row-major order (a broadcast view is copied by .data).
  const size = checkSize(op, shape);
  checkSize(op, a.shape);
  checkSize(op, b.shape);
  const x = a.data;
  const y = b.data;
  if (same) {
    const o = newStorageUnfilled(x.length);
    row(o, 0, x, 0, 1, y, 0, 1, o.length);
    return fromData(o, a.shape);
  }
  const o = newStorageUnfilled(size);
  if (b.size === 1 && shape.length === a.ndim) {
    row(o, 0, x, 0, 1, y, 0, 0, size);
    return fromData(o, shape);
  }
  if (a.size === 1 && shape.length === b.ndim) {
    row(o, 0, x, 0, 0, y, 0, 1, size);
    return fromData(o, shape);
  }
  if (size === 0) return fromData(o, shape);
  const as = broadcastStrides(a.shape, shape);
  const bs = broadcastStrides(b.shape, shape);
  const nd = shape.length;
  const inner = shape[nd - 1]!;
  const ai = as[nd - 1]!;
  const bi = bs[nd - 1]!;
  const index = new Array<number>(nd).fill(0);
  let ao = 0;
  let bo = 0;
  for (let base = 0; base < size; base += inner) {
    row(o, base, x, ao, ai, y, bo, bi, inner);
    // Advance the odometer over the outer axes.
    for (let axis = nd - 2; axis >= 0; axis--) {
      ao += as[axis]!;
      bo += bs[axis]!;
      if (++index[axis]! < shape[axis]!) break;
      ao -= as[axis]! * shape[axis]!;
      bo -= bs[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return fromData(o, shape);
}

/** Elementwise `f(a, b)` with NumPy broadcasting (one closure call per element: for cold paths). */
export function broadcastBinary(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  return broadcastRows(op, a, b, (o, oo, x, xo, xs, y, yo, ys, n) => {
    for (let j = 0; j < n; j++) o[oo + j] = f(x[xo + j * xs]!, y[yo + j * ys]!);
  });
}

/**
 * The one place broadcast gradients are reduced: sums `grad` over the axes along which an input of
 * `shape` was broadcast, so the input receives a gradient of its own shape. A gradient in the graph (a
 * rule run by backward with `{ createGraph: true }`) is summed with recorded ops, so it stays there.
 */
export function unbroadcast(grad: Tensor, shape: Shape): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.ndim; i++) if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  if (grad.requiresGrad && isGradEnabled()) return reshape(sum(grad, axes, true), shape);
  const summed = sumKernel(grad, axes);
  return fromData(summed.data, shape);
}

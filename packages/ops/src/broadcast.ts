import { Tensor, broadcastShapes, contiguousStrides, fromData, shapesEqual, sizeOf, type Shape } from '@tensorgrad/core';
import { sumKernel } from './reduce/sum.js';

/** Strides that read `shape` (right-aligned) as if broadcast to `target`: 0 along broadcast axes. */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = contiguousStrides(shape);
  const lead = target.length - shape.length;
  return target.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]!));
}

/**
 * Elementwise `f(a, b)` with NumPy broadcasting. Same-shape and scalar operands take flat loops; the
 * general case walks the output with an odometer over all but the last axis.
 */
export function broadcastBinary(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const x = a.data;
  const y = b.data;
  if (shapesEqual(a.shape, b.shape)) {
    const o = new Float64Array(x.length);
    for (let i = 0; i < o.length; i++) o[i] = f(x[i]!, y[i]!);
    return fromData(o, a.shape);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const size = sizeOf(shape);
  const o = new Float64Array(size);
  if (b.size === 1 && shape.length === a.ndim) {
    const s = y[0]!;
    for (let i = 0; i < size; i++) o[i] = f(x[i]!, s);
    return fromData(o, shape);
  }
  if (a.size === 1 && shape.length === b.ndim) {
    const s = x[0]!;
    for (let i = 0; i < size; i++) o[i] = f(s, y[i]!);
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
    for (let j = 0; j < inner; j++) o[base + j] = f(x[ao + j * ai]!, y[bo + j * bi]!);
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

/**
 * The one place broadcast gradients are reduced: sums `grad` over the axes along which an input of
 * `shape` was broadcast, so the input receives a gradient of its own shape.
 */
export function unbroadcast(grad: Tensor, shape: Shape): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.ndim; i++) if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  const summed = sumKernel(grad, axes);
  return fromData(summed.data, shape);
}

import { Tensor, ValueError, fromData, type Shape } from '@tensorgrad/core';

/** Anything an op accepts where a tensor goes: a plain number becomes a 0-d tensor. */
export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return fromData(new Float64Array([x]), []);
  throw new ValueError(op, `expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}

/** A fresh contiguous tensor of `shape` holding `data`. */
export function out(data: Float64Array, shape: Shape): Tensor {
  return fromData(data, shape);
}

/**
 * Writes the contiguous values `src` (of `shape`) into `dst` at the strided positions
 * `offset + Σ index[i] * strides[i]`; adds instead of overwriting when `accumulate`.
 */
export function scatterStrided(dst: Float64Array, offset: number, strides: readonly number[], shape: readonly number[], src: Float64Array, accumulate = false): void {
  const nd = shape.length;
  if (nd === 0) {
    dst[offset] = accumulate ? dst[offset]! + src[0]! : src[0]!;
    return;
  }
  const size = src.length;
  if (size === 0) return;
  const inner = shape[nd - 1]!;
  const step = strides[nd - 1]!;
  const index = new Array<number>(nd).fill(0);
  let o = offset;
  for (let base = 0; base < size; base += inner) {
    if (accumulate) for (let j = 0; j < inner; j++) dst[o + j * step] += src[base + j]!;
    else for (let j = 0; j < inner; j++) dst[o + j * step] = src[base + j]!;
    for (let axis = nd - 2; axis >= 0; axis--) {
      o += strides[axis]!;
      if (++index[axis]! < shape[axis]!) break;
      o -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
}

import { Tensor, fromData, type Shape } from '@tensorgrad/core';

/** Anything an op accepts where a tensor goes: a plain number becomes a 0-d tensor. */
export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return fromData(new Float64Array([x]), []);
  throw new TypeError(`${op}: expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}

/** A fresh contiguous tensor of `shape` holding `data`. */
export function out(data: Float64Array, shape: Shape): Tensor {
  return fromData(data, shape);
}

import { Tensor, ValueError, describeValue, fromData } from '@tensorgrad/core';

/** Anything an op accepts where a tensor goes: a plain number becomes a 0-d tensor. */
export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return fromData(new Float64Array([x]), []);
  const got = Array.isArray(x) ? 'an Array (wrap nested arrays with tensor(...))' : describeValue(x);
  throw new ValueError(op, `expected a Tensor or a number, got ${got}`);
}

/** keepDims must be a boolean (undefined means false): a truthy string or number is a caller's mix-up. */
export function checkKeepDims(keepDims: unknown, op: string): boolean {
  if (keepDims === undefined) return false;
  if (typeof keepDims !== 'boolean') throw new ValueError(op, `keepDims must be true or false, got ${typeof keepDims === 'string' ? `'${keepDims}'` : String(keepDims)}`);
  return keepDims;
}

/** A function argument of a transform (grad, vjp, gradcheck): core's check, under the name ops code imports. */
export { checkFunction } from '@tensorgrad/core';

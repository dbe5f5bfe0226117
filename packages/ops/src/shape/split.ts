import { ShapeError, ValueError, describeValue, formatShape, normalizeAxis, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { slice, type SliceSpec } from './slice.js';

/** The pieces of an axis of length n cut at the given sizes: strided views through slice. */
export function cutInto(x: Tensor, at: number, sizes: readonly number[]): Tensor[] {
  const lead: SliceSpec[] = new Array<SliceSpec>(at).fill(null);
  const pieces: Tensor[] = [];
  let start = 0;
  for (const size of sizes) {
    pieces.push(slice(x, [...lead, [start, start + size]]));
    start += size;
  }
  return pieces;
}

/**
 * Cuts x along `axis` into pieces, PyTorch's `split`: a number s gives pieces of length s (the last one
 * shorter when s does not divide the axis), a list gives pieces of exactly those lengths (they must add up
 * to the axis). Each piece is a strided view (a slice), and gradients flow back through each. Not an op of
 * its own (it returns several tensors): its graph nodes are the slices.
 */
export function split(a: TensorLike, sizeOrSections: number | readonly number[], axis: number = 0): Tensor[] {
  const x = asTensor(a, 'split');
  if (x.ndim === 0) throw new ShapeError('split', 'cannot split a 0-d tensor: it has no axis');
  const at = normalizeAxis(axis, x.ndim, 'split');
  const n = x.shape[at]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    const s = sizeOrSections;
    if (!Number.isInteger(s) || s < 0) throw new ValueError('split', `the piece size must be a non-negative integer, got ${describeValue(s)}`);
    if (s === 0 && n !== 0) throw new ValueError('split', `the piece size can be 0 only for an empty axis; axis ${at} of a tensor of shape ${formatShape(x.shape)} has length ${n}`);
    const count = n === 0 ? 1 : Math.ceil(n / s);
    sizes = Array.from({ length: count }, (_, i) => Math.min(s, n - i * s));
  } else if (Array.isArray(sizeOrSections)) {
    if (!sizeOrSections.every((s) => Number.isInteger(s) && s >= 0)) throw new ValueError('split', `piece sizes must be non-negative integers, got ${describeValue(sizeOrSections)}`);
    const total = sizeOrSections.reduce((t, s) => t + s, 0);
    if (total !== n) throw new ShapeError('split', `piece sizes ${describeValue(sizeOrSections)} add up to ${total}, but axis ${at} of a tensor of shape ${formatShape(x.shape)} has length ${n}`);
    sizes = sizeOrSections.slice();
  } else {
    throw new ValueError('split', `expected a piece size or a list of piece sizes, got ${describeValue(sizeOrSections)}`);
  }
  return cutInto(x, at, sizes);
}

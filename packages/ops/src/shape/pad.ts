import { ShapeError, ValueError, checkSize, contiguousStrides, defineOp, describeValue, formatShape, fromData, record, scatterInto, viewOf, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { newStorage } from '../kernels/backend.js';

/**
 * Pads x with `value` (0 by default), PyTorch's `pad(x, pad, 'constant', value)`: `pad` lists
 * (before, after) counts for the last axis first, then the one before it, and so on (so [1, 1] pads the
 * last axis on both sides, [0, 0, 2, 0] puts two rows on top of a matrix). Negative counts crop, as in
 * PyTorch. Only the constant mode exists; the others are refused.
 *
 * The gradient of a constant pad by p is the upstream gradient padded by -p (cropped back, or zero-filled
 * where x was cropped): pad is its own recorded rule.
 */
export const pad = defineOp('pad', (a: TensorLike, padding: readonly number[], mode: 'constant' = 'constant', value: number = 0): Tensor => {
  const x = asTensor(a, 'pad');
  if (mode !== 'constant') throw new ValueError('pad', `mode must be 'constant' (the only one implemented), got ${describeValue(mode)}`);
  if (typeof value !== 'number') throw new ValueError('pad', `value must be a number, got ${describeValue(value)}`);
  if (!Array.isArray(padding) || !padding.every((p) => Number.isInteger(p))) {
    throw new ValueError('pad', `padding must be a list of integers, (before, after) for the last axis first, such as [1, 1], got ${describeValue(padding)}`);
  }
  if (padding.length % 2 !== 0) throw new ShapeError('pad', `padding ${describeValue(padding)} has an odd length: it lists (before, after) pairs`);
  if (padding.length / 2 > x.ndim) {
    throw new ShapeError('pad', `padding ${describeValue(padding)} pads ${padding.length / 2} ${padding.length === 2 ? 'axis' : 'axes'}, a tensor of shape ${formatShape(x.shape)} has ${x.ndim}`);
  }
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let k = 0; k < padding.length / 2; k++) {
    before[x.ndim - 1 - k] = padding[2 * k]!;
    after[x.ndim - 1 - k] = padding[2 * k + 1]!;
  }
  const shape = x.shape.map((n, i) => n + before[i]! + after[i]!);
  const bad = shape.findIndex((n) => n < 0);
  if (bad >= 0) {
    throw new ShapeError('pad', `padding ${describeValue(padding)} crops axis ${bad} of a tensor of shape ${formatShape(x.shape)} to a negative length ${shape[bad]}`);
  }
  checkSize('pad', shape);
  const out = newStorage(shape.reduce((n, d) => n * d, 1));
  if (value !== 0) out.fill(value);
  // The part of x that survives the crops, and where it lands in the output.
  const kept = x.shape.map((n, i) => Math.max(0, n - Math.max(0, -before[i]!) - Math.max(0, -after[i]!)));
  if (kept.every((n) => n > 0)) {
    let from = x.nd.offset;
    let to = 0;
    const outStrides = contiguousStrides(shape);
    x.shape.forEach((_, i) => {
      from += Math.max(0, -before[i]!) * x.nd.stride[i]!;
      to += Math.max(0, before[i]!) * outStrides[i]!;
    });
    scatterInto({ data: out, shape: kept, stride: outStrides, offset: to }, viewOf(x, kept, x.nd.stride, from).data);
  }
  const undo = padding.map((p) => -p);
  const rule = (dy: Tensor): Tensor[] => [pad(dy, undo)];
  return record('pad', [x], fromData(out, shape), rule, [], rule);
});

import { ShapeError, ValueError, describeValue, normalizeAxis, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { cutInto } from './split.js';

/**
 * Cuts x along `axis` into `chunks` pieces of length ceil(n / chunks), the last one shorter: PyTorch's
 * `chunk`, which like it can give fewer pieces than asked (chunk of 6 into 4 gives 3 pieces of 2). An empty
 * axis gives `chunks` empty pieces. Strided views: like split, its graph nodes are slices.
 */
export function chunk(a: TensorLike, chunks: number, axis: number = 0): Tensor[] {
  const x = asTensor(a, 'chunk');
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 1) throw new ValueError('chunk', `chunks must be a positive integer, got ${describeValue(chunks)}`);
  if (x.ndim === 0) throw new ShapeError('chunk', 'cannot chunk a 0-d tensor: it has no axis');
  const at = normalizeAxis(axis, x.ndim, 'chunk');
  const n = x.shape[at]!;
  if (n === 0) return cutInto(x, at, new Array<number>(chunks).fill(0));
  const size = Math.ceil(n / chunks);
  const count = Math.ceil(n / size);
  return cutInto(x, at, Array.from({ length: count }, (_, i) => Math.min(size, n - i * size)));
}

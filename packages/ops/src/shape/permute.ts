import { ShapeError, defineOp, describeValue, formatShape, normalizeAxis, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { transpose } from './transpose.js';

/**
 * Reorders the axes: axis i of the result is axis `axes[i]` of x (negative count from the end), PyTorch's
 * `permute` (the permutation as one array: `x.permute([2, 0, 1])`). A strided view through transpose, whose
 * permuted form this is; unlike transpose, the permutation is required.
 */
export const permute = defineOp('permute', (a: TensorLike, axes: readonly number[]): Tensor => {
  const x = asTensor(a, 'permute');
  const example = `such as [${x.shape.map((_, i) => x.ndim - 1 - i).join(', ')}]`;
  if (!Array.isArray(axes)) throw new ShapeError('permute', `axes must be a list, a permutation of all ${x.ndim} axes (${example}), got ${describeValue(axes)}`);
  if (axes.length !== x.ndim) throw new ShapeError('permute', `[${axes.join(', ')}] names ${axes.length} ${axes.length === 1 ? 'axis' : 'axes'}, a tensor of shape ${formatShape(x.shape)} has ${x.ndim} (${example})`);
  const perm = axes.map((ax) => normalizeAxis(ax, x.ndim, 'permute'));
  if (new Set(perm).size !== x.ndim) throw new ShapeError('permute', `[${axes.join(', ')}] repeats an axis: not a permutation of the axes of a tensor of shape ${formatShape(x.shape)}`);
  return transpose(x, perm);
});

import { ShapeError, Tensor, ValueError } from '@tensorgrad/core';
import { neg } from './unary/neg.js';
import { exp } from './unary/exp.js';
import { log } from './unary/log.js';
import { sqrt } from './unary/sqrt.js';
import { abs } from './unary/abs.js';
import { square } from './unary/square.js';
import { reciprocal } from './unary/reciprocal.js';
import { pow } from './unary/pow.js';
import { sigmoid } from './unary/sigmoid.js';
import { tanh } from './unary/tanh.js';
import { relu } from './unary/relu.js';
import { add } from './binary/add.js';
import { sub } from './binary/sub.js';
import { mul } from './binary/mul.js';
import { div } from './binary/div.js';
import { maximum } from './binary/maximum.js';
import { minimum } from './binary/minimum.js';
import { sum } from './reduce/sum.js';
import { mean } from './reduce/mean.js';
import { max } from './reduce/max.js';
import { min } from './reduce/min.js';
import { matmul } from './linalg/matmul.js';
import { l2 } from './linalg/l2.js';
import { norm } from './linalg/norm.js';
import { reshape } from './shape/reshape.js';
import { transpose } from './shape/transpose.js';
import { broadcastTo } from './shape/broadcastTo.js';
import { expandDims } from './shape/expandDims.js';
import { squeeze } from './shape/squeeze.js';
import { slice } from './shape/slice.js';
import { gather } from './shape/gather.js';
import { take } from './shape/take.js';
import { softmax } from './activation/softmax.js';
import { logSoftmax } from './activation/logSoftmax.js';
import { sin } from './unary/sin.js';
import { cos } from './unary/cos.js';
import { clamp } from './unary/clamp.js';
import { clone } from './unary/clone.js';
import { where } from './binary/where.js';
import { argmax } from './reduce/argmax.js';
import { argmin } from './reduce/argmin.js';
import { logsumexp } from './reduce/logsumexp.js';
import { variance } from './reduce/variance.js';
import { std } from './reduce/std.js';
import { flatten } from './shape/flatten.js';
import { greater } from './compare/greater.js';
import { greaterEqual } from './compare/greaterEqual.js';
import { less } from './compare/less.js';
import { lessEqual } from './compare/lessEqual.js';
import { equal } from './compare/equal.js';
import { notEqual } from './compare/notEqual.js';
import { log1p } from './unary/log1p.js';
import { expm1 } from './unary/expm1.js';
import { softplus } from './unary/softplus.js';
import { logSigmoid } from './unary/logSigmoid.js';
import { leakyRelu } from './unary/leakyRelu.js';
import { gelu } from './unary/gelu.js';
import { permute } from './shape/permute.js';
import { view } from './shape/view.js';
import { split } from './shape/split.js';
import { chunk } from './shape/chunk.js';
import { flip } from './shape/flip.js';
import { pad } from './shape/pad.js';
import { cumsum } from './reduce/cumsum.js';
import { layerNorm } from './activation/layerNorm.js';
import type { TensorLike } from './util.js';

/**
 * A method: its op, called with the tensor as the first argument, and how many arguments it takes at most.
 * It returns a tensor, or a list of them (split, chunk).
 */
interface Method<Args extends unknown[], Result extends Tensor | Tensor[] = Tensor> {
  readonly op: (x: Tensor, ...args: Args) => Result;
  readonly takes: number;
}

/**
 * A line of the table. `takes` is written out because defaults make `fn.length` too small at run time; the
 * compiler holds it to the op's type (its parameters after the first), so it cannot drift.
 */
function method<Args extends unknown[], Result extends Tensor | Tensor[]>(op: (x: Tensor, ...args: Args) => Result, takes: Required<Args>['length']): Method<Args, Result> {
  return { op, takes };
}

// The Tensor methods, one line each: `W.matmul(x).l2()`, `x.add(y).mul(z)`, `h.relu()`. Each forwards to the
// op of its name, so the op stays the single definition; the methods are installed from this table and
// their types computed from it (TensorMethods). A class rather than an object literal: the compiler reads a
// class's field names without the fields' types, which an object literal would need at once, and the ops'
// types mention Tensor, whose type is being computed from this table.
class MethodTable {
  neg = method(neg, 0);
  exp = method(exp, 0);
  log = method(log, 0);
  sqrt = method(sqrt, 0);
  abs = method(abs, 0);
  square = method(square, 0);
  reciprocal = method(reciprocal, 0);
  pow = method(pow, 1);
  sigmoid = method(sigmoid, 0);
  tanh = method(tanh, 0);
  relu = method(relu, 0);
  add = method(add, 1);
  sub = method(sub, 1);
  mul = method(mul, 1);
  div = method(div, 1);
  maximum = method(maximum, 1);
  minimum = method(minimum, 1);
  sum = method(sum, 2);
  mean = method(mean, 2);
  max = method(max, 2);
  min = method(min, 2);
  matmul = method(matmul, 1);
  l2 = method(l2, 0);
  norm = method(norm, 3);
  reshape = method(reshape, 1);
  transpose = method(transpose, 1);
  broadcastTo = method(broadcastTo, 1);
  expandDims = method(expandDims, 1);
  squeeze = method(squeeze, 1);
  slice = method(slice, 1);
  gather = method(gather, 2);
  take = method(take, 2);
  softmax = method(softmax, 1);
  logSoftmax = method(logSoftmax, 1);
  sin = method(sin, 0);
  cos = method(cos, 0);
  clamp = method(clamp, 2);
  clone = method(clone, 0);
  /** where(condition, this, other), as PyTorch's `x.where(condition, y)`. */
  where = method((x: Tensor, condition: TensorLike, other: TensorLike): Tensor => where(condition, x, other), 2);
  argmax = method(argmax, 2);
  argmin = method(argmin, 2);
  logsumexp = method(logsumexp, 2);
  variance = method(variance, 3);
  std = method(std, 3);
  flatten = method(flatten, 2);
  /** 1 where this > other, else 0; outside the graph. */
  greater = method(greater, 1);
  greaterEqual = method(greaterEqual, 1);
  less = method(less, 1);
  lessEqual = method(lessEqual, 1);
  equal = method(equal, 1);
  notEqual = method(notEqual, 1);
  log1p = method(log1p, 0);
  expm1 = method(expm1, 0);
  softplus = method(softplus, 2);
  logSigmoid = method(logSigmoid, 0);
  leakyRelu = method(leakyRelu, 1);
  gelu = method(gelu, 1);
  /** PyTorch's name for expandDims. */
  unsqueeze = method(expandDims, 1);
  permute = method(permute, 1);
  view = method(view, 1);
  split = method(split, 2);
  chunk = method(chunk, 2);
  flip = method(flip, 1);
  pad = method(pad, 3);
  cumsum = method(cumsum, 1);
  layerNorm = method(layerNorm, 4);
  // PyTorch's names, the one place where a method is not named after its op: x.gt(0) reads as PyTorch code.
  /** PyTorch's short names of the comparisons: `x.gt(0)` is `x.greater(0)`. */
  gt = method(greater, 1);
  ge = method(greaterEqual, 1);
  lt = method(less, 1);
  le = method(lessEqual, 1);
  eq = method(equal, 1);
  ne = method(notEqual, 1);
}

/** Each method's type: its op's, without the first parameter (the tensor the method is called on). */
export type TensorMethods = {
  [Name in keyof MethodTable]: MethodTable[Name] extends Method<infer Args, infer Result> ? (...args: Args) => Result : never;
};

declare module '@tensorgrad/core' {
  interface Tensor extends TensorMethods {
    /** All axes reversed (NumPy's `.T`): the transpose of a matrix, a view; a vector or scalar unchanged in shape. */
    readonly T: Tensor;
  }
}

const table = new MethodTable();

/** The names of the methods installed on `Tensor`, the table's lines in order. */
export const methodNames = Object.keys(table) as (keyof MethodTable)[];

// PyTorch's varargs forms, x.reshape(3, 2), x.view(3, 2), x.permute(2, 0, 1), x.flip(0) and x.transpose(0, 2)
// (swap two axes), written the way this library takes them: the shape as one array, the axes as one array.
const VARARGS: Record<string, (x: Tensor, args: number[]) => string | null> = {
  reshape: (_, dims) => `the shape is one array: x.reshape([${dims.join(', ')}]), not x.reshape(${dims.join(', ')})`,
  view: (_, dims) => `the shape is one array: x.view([${dims.join(', ')}]), not x.view(${dims.join(', ')})`,
  permute: (_, axes) => `axes is one array, a permutation of all the axes: x.permute([${axes.join(', ')}]), not x.permute(${axes.join(', ')})`,
  flip: (_, axes) => `axes is one array: x.flip([${axes.join(', ')}]), not x.flip(${axes.join(', ')})`,
  transpose: (x, axes) => {
    const permutation = Array.from({ length: x.ndim }, (_, i) => i);
    const valid = axes.length === 2 && axes.every((a) => Number.isInteger(a) && a >= -x.ndim && a < x.ndim);
    if (!valid) return `axes is one array, a permutation of all ${x.ndim} axes (such as [${permutation.slice().reverse().join(', ')}]), not x.transpose(${axes.join(', ')})`;
    const [i, j] = axes.map((a) => (a < 0 ? a + x.ndim : a)) as [number, number];
    [permutation[i], permutation[j]] = [permutation[j]!, permutation[i]!];
    return `axes is one array, a permutation of all the axes: x.transpose([${permutation.join(', ')}]) swaps axes ${axes[0]} and ${axes[1]} (PyTorch's x.transpose(${axes.join(', ')}))`;
  },
};

// A method given more arguments than it takes is refused rather than silently ignoring the extra ones
// (`x.l2(1)`, `x.sum(0, true, 1)`): an extra argument is a caller's misreading of the signature.
function installed(name: string, op: (x: Tensor, ...args: unknown[]) => Tensor | Tensor[], takes: number): (this: Tensor, ...args: unknown[]) => Tensor | Tensor[] {
  const varargs = VARARGS[name];
  return function (this: Tensor, ...args: unknown[]) {
    if (varargs !== undefined && args.length > 0 && args.every((a) => typeof a === 'number')) {
      const hint = varargs(this, args as number[]);
      if (hint !== null) throw new ShapeError(name, hint);
    }
    if (args.length > takes) {
      const most = takes === 0 ? 'takes no arguments' : `takes at most ${takes} argument${takes === 1 ? '' : 's'}`;
      throw new ValueError(name, `x.${name}(...) ${most}, got ${args.length}`);
    }
    return op(this, ...args);
  };
}

for (const [name, { op, takes }] of Object.entries(table) as [string, Method<unknown[], Tensor | Tensor[]>][]) {
  Object.defineProperty(Tensor.prototype, name, { value: installed(name, op, takes), writable: true, configurable: true });
}

// NumPy's x.T: every axis reversed (a view through transpose).
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return transpose(this, this.shape.map((_, i) => this.ndim - 1 - i));
  },
  configurable: true,
});

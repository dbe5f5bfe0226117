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
import { slice, type SliceSpec } from './shape/slice.js';
import { gather, type Indices } from './shape/gather.js';
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
import type { TensorLike } from './util.js';

type Axis = number | readonly number[] | null;

// Chained, typed methods: `W.matmul(x).l2()`, `x.add(y).mul(z)`, `h.relu()`. Each one forwards to the
// op of the same name, so the op stays the single definition.
declare module '@tensorgrad/core' {
  interface Tensor {
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    pow(p: number): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    sum(axis?: Axis, keepDims?: boolean): Tensor;
    mean(axis?: Axis, keepDims?: boolean): Tensor;
    max(axis?: Axis, keepDims?: boolean): Tensor;
    min(axis?: Axis, keepDims?: boolean): Tensor;
    matmul(other: Tensor): Tensor;
    l2(): Tensor;
    norm(ord?: number, axis?: Axis, keepDims?: boolean): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(axes?: readonly number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    expandDims(axis: number): Tensor;
    squeeze(axis?: Axis): Tensor;
    slice(specs: readonly SliceSpec[]): Tensor;
    gather(indices: Indices, axis?: number): Tensor;
    take(indices: Indices, axis?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    clone(): Tensor;
    /** where(condition, this, other), as PyTorch's `x.where(condition, y)`. */
    where(condition: TensorLike, other: TensorLike): Tensor;
    argmax(axis?: number | null, keepDims?: boolean): Tensor;
    argmin(axis?: number | null, keepDims?: boolean): Tensor;
    logsumexp(axis?: Axis, keepDims?: boolean): Tensor;
    variance(axis?: Axis, keepDims?: boolean, correction?: number): Tensor;
    std(axis?: Axis, keepDims?: boolean, correction?: number): Tensor;
    flatten(startAxis?: number, endAxis?: number): Tensor;
    /** 1 where this > other, else 0; outside the graph. */
    greater(other: TensorLike): Tensor;
    greaterEqual(other: TensorLike): Tensor;
    less(other: TensorLike): Tensor;
    lessEqual(other: TensorLike): Tensor;
    equal(other: TensorLike): Tensor;
    notEqual(other: TensorLike): Tensor;
    /** PyTorch's short names of the comparisons: `x.gt(0)` is `x.greater(0)`. */
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    /** All axes reversed (NumPy's `.T`): the transpose of a matrix, a view; a vector or scalar unchanged in shape. */
    readonly T: Tensor;
  }
}

const methods: Record<string, (this: Tensor, ...args: any[]) => Tensor> = {
  neg() { return neg(this); },
  exp() { return exp(this); },
  log() { return log(this); },
  sqrt() { return sqrt(this); },
  abs() { return abs(this); },
  square() { return square(this); },
  reciprocal() { return reciprocal(this); },
  pow(p: number) { return pow(this, p); },
  sigmoid() { return sigmoid(this); },
  tanh() { return tanh(this); },
  relu() { return relu(this); },
  add(other: TensorLike) { return add(this, other); },
  sub(other: TensorLike) { return sub(this, other); },
  mul(other: TensorLike) { return mul(this, other); },
  div(other: TensorLike) { return div(this, other); },
  maximum(other: TensorLike) { return maximum(this, other); },
  minimum(other: TensorLike) { return minimum(this, other); },
  sum(axis?: Axis, keepDims?: boolean) { return sum(this, axis, keepDims); },
  mean(axis?: Axis, keepDims?: boolean) { return mean(this, axis, keepDims); },
  max(axis?: Axis, keepDims?: boolean) { return max(this, axis, keepDims); },
  min(axis?: Axis, keepDims?: boolean) { return min(this, axis, keepDims); },
  matmul(other: Tensor) { return matmul(this, other); },
  l2() { return l2(this); },
  norm(ord?: number, axis?: Axis, keepDims?: boolean) { return norm(this, ord, axis, keepDims); },
  reshape(shape: readonly number[]) { return reshape(this, shape); },
  transpose(axes?: readonly number[]) { return transpose(this, axes); },
  broadcastTo(shape: readonly number[]) { return broadcastTo(this, shape); },
  expandDims(axis: number) { return expandDims(this, axis); },
  squeeze(axis?: Axis) { return squeeze(this, axis); },
  slice(specs: readonly SliceSpec[]) { return slice(this, specs); },
  gather(indices: Indices, axis?: number) { return gather(this, indices, axis); },
  take(indices: Indices, axis?: number) { return take(this, indices, axis); },
  softmax(axis?: number) { return softmax(this, axis); },
  logSoftmax(axis?: number) { return logSoftmax(this, axis); },
  sin() { return sin(this); },
  cos() { return cos(this); },
  clamp(min?: number | null, max?: number | null) { return clamp(this, min, max); },
  clone() { return clone(this); },
  where(condition: TensorLike, other: TensorLike) { return where(condition, this, other); },
  argmax(axis?: number | null, keepDims?: boolean) { return argmax(this, axis, keepDims); },
  argmin(axis?: number | null, keepDims?: boolean) { return argmin(this, axis, keepDims); },
  logsumexp(axis?: Axis, keepDims?: boolean) { return logsumexp(this, axis, keepDims); },
  variance(axis?: Axis, keepDims?: boolean, correction?: number) { return variance(this, axis, keepDims, correction); },
  std(axis?: Axis, keepDims?: boolean, correction?: number) { return std(this, axis, keepDims, correction); },
  flatten(startAxis?: number, endAxis?: number) { return flatten(this, startAxis, endAxis); },
  greater(other: TensorLike) { return greater(this, other); },
  greaterEqual(other: TensorLike) { return greaterEqual(this, other); },
  less(other: TensorLike) { return less(this, other); },
  lessEqual(other: TensorLike) { return lessEqual(this, other); },
  equal(other: TensorLike) { return equal(this, other); },
  notEqual(other: TensorLike) { return notEqual(this, other); },
  // PyTorch's names, the one place where a method is not named after its op: x.gt(0) reads as PyTorch code.
  gt(other: TensorLike) { return greater(this, other); },
  ge(other: TensorLike) { return greaterEqual(this, other); },
  lt(other: TensorLike) { return less(this, other); },
  le(other: TensorLike) { return lessEqual(this, other); },
  eq(other: TensorLike) { return equal(this, other); },
  ne(other: TensorLike) { return notEqual(this, other); },
};

// PyTorch's varargs forms, x.reshape(3, 2) and x.transpose(0, 2) (swap two axes), written the way this
// library takes them: the shape as one array, the whole permutation as one array.
const VARARGS: Record<string, (x: Tensor, args: number[]) => string | null> = {
  reshape: (_, dims) => `the shape is one array: x.reshape([${dims.join(', ')}]), not x.reshape(${dims.join(', ')})`,
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
// (`x.l2(1)`, `x.sum(0, true, 1)`): an extra argument is a caller's misreading of the signature. Every
// method above lists its parameters without defaults, so fn.length is how many it takes.
function arityChecked(name: string, fn: (this: Tensor, ...args: any[]) => Tensor): (this: Tensor, ...args: any[]) => Tensor {
  const most = fn.length;
  const varargs = VARARGS[name];
  return function (this: Tensor) {
    // eslint-disable-next-line prefer-rest-params
    const args = Array.from(arguments as ArrayLike<unknown>);
    if (varargs !== undefined && args.length > 0 && args.every((a) => typeof a === 'number')) {
      const hint = varargs(this, args as number[]);
      if (hint !== null) throw new ShapeError(name, hint);
    }
    if (arguments.length > most) {
      const takes = most === 0 ? 'takes no arguments' : `takes at most ${most} argument${most === 1 ? '' : 's'}`;
      throw new ValueError(name, `x.${name}(...) ${takes}, got ${arguments.length}`);
    }
    // eslint-disable-next-line prefer-rest-params
    return fn.apply(this, arguments as unknown as any[]);
  };
}

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: arityChecked(name, fn), writable: true, configurable: true });
}

// NumPy's x.T: every axis reversed (a view through transpose).
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return transpose(this, this.shape.map((_, i) => this.ndim - 1 - i));
  },
  configurable: true,
});

// The ops' table, one line (at least) per op: how to sample inputs inside the op's domain and how to call
// it, in the spirit of JAX's op tests. With nn's lines (packages/nn/test/op-table.ts: `fullOpTable`) it feeds
// every table suite in the top-level test/: the gradient-check table, the gradient shapes and the in-place
// writes. A line per registered op is enforced against registeredOps() there.
import { Random, Tensor, fromData, sizeOf } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';

export interface OpLine {
  /** The registered op name this line covers. */
  op: string;
  /** What the line exercises (broadcasting, an axis...). */
  note: string;
  /** Fresh inputs in the op's domain (away from kinks and ties, positive for log...). */
  inputs: () => Tensor[];
  /** Calls the op on the inputs (extra non-tensor arguments are fixed here). */
  f: (...inputs: Tensor[]) => Tensor;
  /** The op's result is outside the graph (argmax, argmin): it never requires grad, its gradient is 0. */
  outsideGraph?: true;
}

let seed = 1000;
function sampler(shape: readonly number[], draw: (r: Random) => number): Tensor {
  const r = new Random(seed++);
  const d = new Float64Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = draw(r);
  return fromData(d, shape);
}

/** Standard normal entries. */
export const normal = (shape: readonly number[]): Tensor => sampler(shape, (r) => r.normal());
/** Entries in [0.5, 2]: the domain of log, sqrt, and bases of fractional powers. */
export const positive = (shape: readonly number[]): Tensor => sampler(shape, (r) => 0.5 + 1.5 * r.uniform());
/** |entries| in [0.2, 2] with random signs: away from the kinks of relu and abs and the pole of 1/x. */
export const awayFromZero = (shape: readonly number[]): Tensor =>
  sampler(shape, (r) => (r.uniform() < 0.5 ? -1 : 1) * (0.2 + 1.8 * r.uniform()));
/** Distinct entries at least 0.1 apart (a shuffled grid plus small noise): no ties for max and min. */
export const distinct = (shape: readonly number[]): Tensor => {
  const r = new Random(seed++);
  const n = sizeOf(shape);
  const order = r.shuffle(Array.from({ length: n }, (_, i) => i));
  return fromData(Float64Array.from(order, (k) => (k - n / 2) * 0.3 + 0.05 * r.uniform()), shape);
};
/** A pair (a, b) whose entries differ by at least 0.2 everywhere: no ties for maximum and minimum. */
export const untied = (shapeA: readonly number[], shapeB: readonly number[]): [Tensor, Tensor] => {
  const a = normal(shapeA);
  const b = awayFromZero(shapeB);
  // b = a + offset (a broadcast over b's shape), so every pair the op compares is 0.2 or more apart.
  return [a, ops.add(b, a).detach()];
};

export const opTable: OpLine[] = [
  // Unary elementwise
  { op: 'neg', note: '[2, 3]', inputs: () => [normal([2, 3])], f: (x) => ops.neg(x) },
  { op: 'exp', note: '[2, 3]', inputs: () => [normal([2, 3])], f: (x) => ops.exp(x) },
  { op: 'log', note: 'positive [2, 3]', inputs: () => [positive([2, 3])], f: (x) => ops.log(x) },
  { op: 'sqrt', note: 'positive [2, 3]', inputs: () => [positive([2, 3])], f: (x) => ops.sqrt(x) },
  { op: 'abs', note: 'away from 0', inputs: () => [awayFromZero([2, 3])], f: (x) => ops.abs(x) },
  { op: 'square', note: '[2, 3]', inputs: () => [normal([2, 3])], f: (x) => ops.square(x) },
  { op: 'reciprocal', note: 'away from 0', inputs: () => [awayFromZero([2, 3])], f: (x) => ops.reciprocal(x) },
  { op: 'pow', note: 'positive base, p = 2.5', inputs: () => [positive([2, 3])], f: (x) => ops.pow(x, 2.5) },
  { op: 'pow', note: 'any base, p = 3', inputs: () => [normal([4])], f: (x) => ops.pow(x, 3) },
  { op: 'pow', note: 'p = -2', inputs: () => [awayFromZero([4])], f: (x) => ops.pow(x, -2) },
  { op: 'sigmoid', note: '[2, 3] (both branches)', inputs: () => [normal([2, 3])], f: (x) => ops.sigmoid(x) },
  { op: 'tanh', note: '[2, 3]', inputs: () => [normal([2, 3])], f: (x) => ops.tanh(x) },
  { op: 'relu', note: 'away from the kink', inputs: () => [awayFromZero([2, 3])], f: (x) => ops.relu(x) },
  { op: 'sin', note: '[2, 3]', inputs: () => [normal([2, 3])], f: (x) => ops.sin(x) },
  { op: 'cos', note: '[2, 3]', inputs: () => [normal([2, 3])], f: (x) => ops.cos(x) },
  { op: 'clamp', note: '[-0.1, 0.1] on entries away from 0 (both sides clipped)', inputs: () => [awayFromZero([2, 3])], f: (x) => ops.clamp(x, -0.1, 0.1) },
  { op: 'clamp', note: 'min only, entries inside and below', inputs: () => [awayFromZero([2, 4])], f: (x) => ops.clamp(x, 0) },
  { op: 'clamp', note: 'max only, wide range (gradient passes)', inputs: () => [normal([2, 3])], f: (x) => ops.clamp(x, null, 100) },
  { op: 'clone', note: 'of a transposed view', inputs: () => [normal([2, 3])], f: (x) => ops.clone(ops.transpose(x)) },
  { op: 'log1p', note: 'entries in [-0.5, 1]', inputs: () => [positive([2, 3])], f: (x) => ops.log1p(ops.sub(x, 1)) },
  { op: 'expm1', note: '[2, 3]', inputs: () => [normal([2, 3])], f: (x) => ops.expm1(x) },
  { op: 'softplus', note: 'beta 1, threshold 20', inputs: () => [normal([2, 3])], f: (x) => ops.softplus(x) },
  { op: 'softplus', note: 'beta 2, threshold 1 (both sides of it)', inputs: () => [awayFromZero([2, 4])], f: (x) => ops.softplus(ops.mul(x, 0.7), 2, 1) },
  { op: 'logSigmoid', note: '[2, 3] (both signs)', inputs: () => [normal([2, 3])], f: (x) => ops.logSigmoid(x) },
  { op: 'leakyRelu', note: 'slope 0.1, away from the kink', inputs: () => [awayFromZero([2, 3])], f: (x) => ops.leakyRelu(x, 0.1) },
  { op: 'gelu', note: 'exact', inputs: () => [normal([2, 4])], f: (x) => ops.gelu(ops.mul(x, 2)) },
  { op: 'gelu', note: "approximate 'tanh'", inputs: () => [normal([2, 4])], f: (x) => ops.gelu(ops.mul(x, 2), 'tanh') },
  // Binary elementwise with broadcasting
  { op: 'add', note: '[2, 3] + [3]', inputs: () => [normal([2, 3]), normal([3])], f: (a, b) => ops.add(a, b) },
  { op: 'sub', note: '[2, 1] - [1, 3]', inputs: () => [normal([2, 1]), normal([1, 3])], f: (a, b) => ops.sub(a, b) },
  { op: 'mul', note: '[2, 3] * [2, 1]', inputs: () => [normal([2, 3]), normal([2, 1])], f: (a, b) => ops.mul(a, b) },
  { op: 'div', note: '[2, 3] / [3], denominator away from 0', inputs: () => [normal([2, 3]), awayFromZero([3])], f: (a, b) => ops.div(a, b) },
  { op: 'maximum', note: '[2, 3] vs [3], no ties', inputs: () => untied([3], [2, 3]), f: (a, b) => ops.maximum(a, b) },
  { op: 'minimum', note: '[3] vs [2, 3], no ties', inputs: () => untied([3], [2, 3]), f: (a, b) => ops.minimum(a, b) },
  { op: 'where', note: 'condition [2, 3], a [3], b [2, 1]', inputs: () => [normal([3]), normal([2, 1])], f: (a, b) => ops.where(fromData(new Float64Array([1, 0, 1, 0, 0, 1]), [2, 3]), a, b) },
  // Reductions
  { op: 'sum', note: 'axis 1', inputs: () => [normal([2, 3, 2])], f: (x) => ops.sum(x, 1) },
  { op: 'sum', note: 'all axes', inputs: () => [normal([2, 3])], f: (x) => ops.sum(x) },
  { op: 'mean', note: 'axes [0, 2], keepDims', inputs: () => [normal([2, 3, 2])], f: (x) => ops.mean(x, [0, 2], true) },
  { op: 'max', note: 'axis -1, distinct values', inputs: () => [distinct([3, 4])], f: (x) => ops.max(x, -1) },
  { op: 'max', note: 'all axes', inputs: () => [distinct([3, 4])], f: (x) => ops.max(x) },
  { op: 'min', note: 'axis 0, keepDims, distinct values', inputs: () => [distinct([3, 4])], f: (x) => ops.min(x, 0, true) },
  // argmax/argmin are piecewise constant: the check confirms a zero gradient (they are outside the graph).
  { op: 'argmax', note: 'axis 1, distinct values (zero gradient)', inputs: () => [distinct([3, 4])], f: (x) => ops.argmax(x, 1), outsideGraph: true },
  { op: 'argmin', note: 'all axes (zero gradient)', inputs: () => [distinct([3, 4])], f: (x) => ops.argmin(x), outsideGraph: true },
  // Comparisons are piecewise constant: distinct inputs (no ties within eps), a zero gradient, outside the graph.
  { op: 'greater', note: '[3, 4] vs [4], broadcast (zero gradient)', inputs: () => [distinct([3, 4]), distinct([4])], f: (a, b) => ops.greater(a, b), outsideGraph: true },
  { op: 'greaterEqual', note: 'same shape (zero gradient)', inputs: () => [distinct([2, 3]), distinct([2, 3])], f: (a, b) => ops.greaterEqual(a, b), outsideGraph: true },
  { op: 'less', note: '[3, 1] vs [4] (zero gradient)', inputs: () => [distinct([3, 1]), distinct([4])], f: (a, b) => ops.less(a, b), outsideGraph: true },
  { op: 'lessEqual', note: 'vs a number (zero gradient)', inputs: () => [distinct([2, 3])], f: (a) => ops.lessEqual(a, 0.01), outsideGraph: true },
  { op: 'equal', note: 'same shape (zero gradient)', inputs: () => [distinct([2, 3]), distinct([2, 3])], f: (a, b) => ops.equal(a, b), outsideGraph: true },
  { op: 'notEqual', note: '[2, 3] vs [3] (zero gradient)', inputs: () => [distinct([2, 3]), distinct([3])], f: (a, b) => ops.notEqual(a, b), outsideGraph: true },
  { op: 'logsumexp', note: 'axis -1', inputs: () => [normal([3, 4])], f: (x) => ops.logsumexp(x, -1) },
  { op: 'logsumexp', note: 'axes [0, 2], keepDims, large logits', inputs: () => [normal([2, 3, 2])], f: (x) => ops.logsumexp(ops.add(x, 500), [0, 2], true) },
  { op: 'variance', note: 'all axes, correction 0', inputs: () => [normal([3, 4])], f: (x) => ops.variance(x) },
  { op: 'variance', note: 'axis 1, keepDims, correction 1', inputs: () => [normal([3, 4])], f: (x) => ops.variance(x, 1, true, 1) },
  { op: 'std', note: 'axis 0, correction 1', inputs: () => [normal([4, 3])], f: (x) => ops.std(x, 0, false, 1) },
  // Linear algebra
  { op: 'matmul', note: '[2, 3]·[3, 4]', inputs: () => [normal([2, 3]), normal([3, 4])], f: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'matrix·vector', inputs: () => [normal([3, 4]), normal([4])], f: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'vector·matrix', inputs: () => [normal([3]), normal([3, 2])], f: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'vector·vector', inputs: () => [normal([4]), normal([4])], f: (a, b) => ops.matmul(a, b) },
  { op: 'matmul', note: 'batched [2, 1, 2, 3]·[3, 3, 2]', inputs: () => [normal([2, 1, 2, 3]), normal([3, 3, 2])], f: (a, b) => ops.matmul(a, b) },
  { op: 'linear', note: 'x [4, 3], W [2, 3], b [2]', inputs: () => [normal([4, 3]), normal([2, 3]), normal([2])], f: (x, W, b) => ops.linear(x, W, b) },
  { op: 'linear', note: 'no bias, x [2, 2, 3]', inputs: () => [normal([2, 2, 3]), normal([4, 3])], f: (x, W) => ops.linear(x, W) },
  { op: 'linear', note: 'x a vector [3]', inputs: () => [normal([3]), normal([2, 3]), normal([2])], f: (x, W, b) => ops.linear(x, W, b) },
  { op: 'l2', note: '[3, 2]', inputs: () => [normal([3, 2])], f: (x) => ops.l2(x) },
  { op: 'norm', note: '[3, 2] (non-zero)', inputs: () => [normal([3, 2])], f: (x) => ops.norm(x) },
  { op: 'norm', note: 'ord 2, axis -1', inputs: () => [normal([3, 4])], f: (x) => ops.norm(x, 2, -1) },
  { op: 'norm', note: 'ord 1, axis 1, away from 0', inputs: () => [awayFromZero([3, 4])], f: (x) => ops.norm(x, 1, 1) },
  { op: 'norm', note: 'ord Infinity, axis 0, keepDims', inputs: () => [awayFromZero([3, 4])], f: (x) => ops.norm(x, Infinity, 0, true) },
  // Shape
  { op: 'reshape', note: '[2, 3] -> [3, -1]', inputs: () => [normal([2, 3])], f: (x) => ops.reshape(x, [3, -1]) },
  { op: 'reshape', note: 'of a transposed view', inputs: () => [normal([2, 3])], f: (x) => ops.reshape(ops.transpose(x), [6]) },
  { op: 'transpose', note: 'default: last two axes', inputs: () => [normal([2, 3, 4])], f: (x) => ops.transpose(x) },
  { op: 'transpose', note: 'permutation [2, 0, 1]', inputs: () => [normal([2, 3, 4])], f: (x) => ops.transpose(x, [2, 0, 1]) },
  { op: 'broadcastTo', note: '[3, 1] -> [2, 3, 4]', inputs: () => [normal([3, 1])], f: (x) => ops.broadcastTo(x, [2, 3, 4]) },
  { op: 'expandDims', note: 'axis -1', inputs: () => [normal([2, 3])], f: (x) => ops.expandDims(x, -1) },
  { op: 'squeeze', note: 'axis 1', inputs: () => [normal([2, 1, 3])], f: (x) => ops.squeeze(x, 1) },
  { op: 'slice', note: 'x[1:, ::-2]', inputs: () => [normal([3, 5])], f: (x) => ops.slice(x, [[1], [null, null, -2]]) },
  { op: 'slice', note: 'x[1, -3:]', inputs: () => [normal([3, 5])], f: (x) => ops.slice(x, [1, [-3]]) },
  { op: 'concat', note: 'three along axis 1', inputs: () => [normal([2, 1]), normal([2, 3]), normal([2, 2])], f: (a, b, c) => ops.concat([a, b, c], 1) },
  { op: 'stack', note: 'two along a new axis -1', inputs: () => [normal([2, 3]), normal([2, 3])], f: (a, b) => ops.stack([a, b], -1) },
  { op: 'flatten', note: 'axes 1..2 of [2, 3, 2, 2]', inputs: () => [normal([2, 3, 2, 2])], f: (x) => ops.flatten(x, 1, 2) },
  { op: 'gather', note: 'scores[i, y_i]', inputs: () => [normal([4, 3])], f: (x) => ops.gather(x, [2, 0, 1, 2]) },
  { op: 'gather', note: 'axis 0, kept axis', inputs: () => [normal([3, 4])], f: (x) => ops.gather(x, fromData(new Float64Array([2, 0, 0, 1]), [1, 4]), 0) },
  { op: 'gather', note: '1-d x, repeated indices', inputs: () => [normal([4])], f: (x) => ops.gather(x, [3, 0, 3, 1, 3]) },
  { op: 'gather', note: 'two per lane along axis 1', inputs: () => [normal([3, 4])], f: (x) => ops.gather(x, fromData(new Float64Array([0, 3, 1, 1, 2, 0]), [3, 2]), 1) },
  { op: 'take', note: 'rows [2, 0, 2] (repeated)', inputs: () => [normal([3, 2])], f: (x) => ops.take(x, [2, 0, 2]) },
  { op: 'take', note: 'axis 1, 2-d indices, negative', inputs: () => [normal([2, 4, 3])], f: (x) => ops.take(x, fromData(new Float64Array([3, -1, 0, 3]), [2, 2]), 1) },
  { op: 'permute', note: '[2, 0, 1] of [2, 3, 4]', inputs: () => [normal([2, 3, 4])], f: (x) => ops.permute(x, [2, 0, 1]) },
  { op: 'view', note: '[2, 6] -> [3, -1, 2]', inputs: () => [normal([2, 6])], f: (x) => ops.view(x, [3, -1, 2]) },
  { op: 'view', note: 'splitting an axis of a transposed view', inputs: () => [normal([4, 3])], f: (x) => ops.view(ops.transpose(x), [3, 2, 2]) },
  { op: 'flip', note: 'axes [0, -1] of [2, 3, 2]', inputs: () => [normal([2, 3, 2])], f: (x) => ops.flip(x, [0, -1]) },
  { op: 'pad', note: '[1, 2] on the last axis, value 0.5', inputs: () => [normal([2, 3])], f: (x) => ops.pad(x, [1, 2], 'constant', 0.5) },
  { op: 'pad', note: 'cropping: [-1, 1, 2, -1]', inputs: () => [normal([3, 4])], f: (x) => ops.pad(x, [-1, 1, 2, -1]) },
  { op: 'cumsum', note: 'axis 1 of [2, 3, 2]', inputs: () => [normal([2, 3, 2])], f: (x) => ops.cumsum(x, 1) },
  { op: 'cumsum', note: 'axis -1 of a transposed view', inputs: () => [normal([3, 4])], f: (x) => ops.cumsum(ops.transpose(x), -1) },
  // Activations
  { op: 'softmax', note: 'axis -1', inputs: () => [normal([3, 4])], f: (x) => ops.softmax(x) },
  { op: 'softmax', note: 'axis 0, large logits', inputs: () => [normal([3, 4])], f: (x) => ops.softmax(ops.add(x, 1000), 0) },
  { op: 'logSoftmax', note: 'axis -1', inputs: () => [normal([3, 4])], f: (x) => ops.logSoftmax(x) },
  { op: 'logSoftmax', note: 'axis 1 of 3-d', inputs: () => [normal([2, 3, 2])], f: (x) => ops.logSoftmax(x, 1) },
  { op: 'layerNorm', note: 'x [3, 4] over [4], weight and bias', inputs: () => [normal([3, 4]), normal([4]), normal([4])], f: (x, w, b) => ops.layerNorm(x, [4], w, b) },
  { op: 'layerNorm', note: 'x [2, 2, 3] over [2, 3], no affine, eps 0.1', inputs: () => [normal([2, 2, 3])], f: (x) => ops.layerNorm(x, [2, 3], null, null, 0.1) },
];

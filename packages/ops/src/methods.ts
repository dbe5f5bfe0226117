import { Tensor } from '@tensorgrad/core';
import { add } from './binary/add.js';
import { mul } from './binary/mul.js';
import { exp } from './unary/exp.js';
import { relu } from './unary/relu.js';
import { sum } from './reduce/sum.js';
import { matmul } from './linalg/matmul.js';
import { reshape } from './shape/reshape.js';
import { transpose } from './shape/transpose.js';
import { broadcastTo } from './shape/broadcastTo.js';
import type { TensorLike } from './util.js';

// Chained, typed methods: `W.matmul(x).l2()`, `x.add(y).mul(z)`. Each one forwards to the op of the
// same name, so the op stays the single definition.
declare module '@tensorgrad/core' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    exp(): Tensor;
    relu(): Tensor;
    sum(axis?: number | readonly number[] | null, keepDims?: boolean): Tensor;
    matmul(other: Tensor): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(axes?: readonly number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
  }
}

const methods: Record<string, (this: Tensor, ...args: any[]) => Tensor> = {
  add(other: TensorLike) { return add(this, other); },
  mul(other: TensorLike) { return mul(this, other); },
  exp() { return exp(this); },
  relu() { return relu(this); },
  sum(axis?: number | readonly number[] | null, keepDims?: boolean) { return sum(this, axis, keepDims); },
  matmul(other: Tensor) { return matmul(this, other); },
  reshape(shape: readonly number[]) { return reshape(this, shape); },
  transpose(axes?: readonly number[]) { return transpose(this, axes); },
  broadcastTo(shape: readonly number[]) { return broadcastTo(this, shape); },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}

import type { Tensor } from '@tensorgrad/core';
import { relu, sigmoid, tanh } from '@tensorgrad/ops';
import { Module } from '../module.js';

/** max(0, x) elementwise. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** 1 / (1 + e^-x) elementwise. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** tanh(x) elementwise. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

import { ValueError, describeValue, type Tensor } from '@tensorgrad/core';
import { gelu, leakyRelu, relu, sigmoid, softplus, tanh } from '@tensorgrad/ops';
import { Module } from '../module.js';
import { checkOptions } from '../options.js';

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

/** x where x > 0, negativeSlope·x elsewhere (PyTorch's nn.LeakyReLU, default slope 0.01). */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    // Checked here as the op checks it, so that a bad slope fails where the model is built.
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) throw new ValueError('LeakyReLU', `negativeSlope must be a finite number, got ${describeValue(negativeSlope)}`);
    this.negativeSlope = negativeSlope;
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  protected override describe(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

export interface GELUOptions {
  /** 'none' (default): x·Φ(x) exactly; 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** The Gaussian error linear unit x·Φ(x) (PyTorch's nn.GELU; see ops' gelu). */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GELUOptions = {}) {
    super();
    const { approximate = 'none' } = checkOptions('GELU', options, { approximate: 'any' }, "{ approximate: 'tanh' }");
    if (approximate !== 'none' && approximate !== 'tanh') throw new ValueError('GELU', `approximate must be 'none' or 'tanh', got ${describeValue(approximate)}`);
    this.approximate = approximate;
  }

  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }

  protected override describe(): string {
    return this.approximate === 'none' ? '' : `approximate='${this.approximate}'`;
  }
}

export interface SoftplusOptions {
  /** β of log(1 + e^(βx)) / β (default 1): a finite non-zero number. */
  beta?: number;
  /** Above βx > threshold the result is x itself (default 20). */
  threshold?: number;
}

/** log(1 + e^(βx)) / β, a smooth relu (PyTorch's nn.Softplus; see ops' softplus). */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(options: SoftplusOptions = {}) {
    super();
    const { beta = 1, threshold = 20 } = checkOptions('Softplus', options, { beta: 'any', threshold: 'any' }, '{ beta: 2 }');
    if (typeof beta !== 'number' || !Number.isFinite(beta) || beta === 0) throw new ValueError('Softplus', `beta must be a finite non-zero number, got ${describeValue(beta)}`);
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new ValueError('Softplus', `threshold must be a number, got ${describeValue(threshold)}`);
    this.beta = beta;
    this.threshold = threshold;
  }

  forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }

  protected override describe(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

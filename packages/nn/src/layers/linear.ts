import { ShapeError, ValueError, checkSeed, formatShape, randn, zeros, type Tensor } from '@tensorgrad/core';
import { linear, toKernelMemory } from '@tensorgrad/ops';
import { Module } from '../module.js';
import { checkOptions } from '../options.js';

export interface LinearOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Seed for the weight initialisation: same seed, same weights. Without it the global generator is used. */
  seed?: number;
}

/**
 * y = x·Wᵀ + b, PyTorch's convention: `weight` is [outFeatures, inFeatures], `bias` is [outFeatures], and
 * x is [..., inFeatures]. Weights start as He/Kaiming normal, N(0, 2 / inFeatures), which keeps the
 * variance of ReLU activations steady from layer to layer; the bias starts at zero.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    const { bias, seed } = checkOptions('Linear', options, { bias: 'boolean', seed: 'any' }, '{ bias: false, seed: 1 }');
    for (const [name, n] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new ValueError('Linear', `${name} must be a positive integer, got ${n}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    // The weight's storage is in the matmul kernel's own memory where it has one (toKernelMemory): the
    // kernel then reads W and writes dW in place, with no 2.4 MB copy in and out per step at 3072×100.
    this.weight = toKernelMemory(randn([outFeatures, inFeatures], { seed: checkSeed(seed, 'Linear'), std: Math.sqrt(2 / inFeatures), requiresGrad: true, name: 'weight' }));
    this.bias = bias === false ? null : zeros([outFeatures], { requiresGrad: true, name: 'bias' });
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError('Linear', `expected input [..., ${this.inFeatures}], got ${formatShape(x.shape)} (weight is ${formatShape(this.weight.shape)})`);
    }
    // One fused op (ops' `linear`): the bias seeds the product's accumulator and Wᵀ is read through
    // strides, so a step costs no copy of W and no broadcast-reduce for the bias gradient.
    return linear(x, this.weight, this.bias);
  }

  protected override describe(): string {
    return `in=${this.inFeatures}, out=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

import { ValueError, describeValue, ones, zeros, type Tensor } from '@tensorgrad/core';
import { layerNorm } from '@tensorgrad/ops';
import { Module } from '../module.js';
import { checkOptions } from '../options.js';

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-element scale `weight` (ones) and shift `bias` (zeros) of the normalized shape (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Layer normalization (Ba et al.), PyTorch's nn.LayerNorm: each lane of the trailing `normalizedShape`
 * axes of x is normalized to mean 0 and variance 1 (the biased variance, plus eps), then scaled by
 * `weight` and shifted by `bias`, both of the normalized shape and named as in PyTorch, so that a state
 * dict reads `weight`, `bias`. Without elementwiseAffine it has no parameters. One fused op (ops' layerNorm).
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const { eps = 1e-5, elementwiseAffine = true } = checkOptions('LayerNorm', options, { eps: 'any', elementwiseAffine: 'boolean' }, '{ eps: 1e-6 }');
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ValueError('LayerNorm', `normalizedShape must be a positive integer or a non-empty list of them (x's trailing dimensions), got ${describeValue(normalizedShape)}`);
    }
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) throw new ValueError('LayerNorm', `eps must be a finite number >= 0, got ${describeValue(eps)}`);
    this.normalizedShape = Object.freeze([...shape]);
    this.eps = eps;
    this.weight = elementwiseAffine ? ones(shape, { requiresGrad: true, name: 'weight' }) : null;
    this.bias = elementwiseAffine ? zeros(shape, { requiresGrad: true, name: 'bias' }) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  protected override describe(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

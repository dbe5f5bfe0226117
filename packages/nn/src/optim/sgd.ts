import { ValueError, noGrad, type Tensor } from '@tensorgrad/core';
import { sgdUpdate, storageLike } from '@tensorgrad/ops';
import { Optimizer, checkHyperparameter } from './optimizer.js';
import { checkOptions } from '../options.js';

export interface SGDOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Momentum factor μ (default 0: plain gradient descent). */
  momentum?: number;
  /** L2 penalty λ added to the gradient as λ·W (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, with PyTorch's update rule:
 *   g = dL/dW + λ W;  v = μ v + g;  W -= lr · v   (Nesterov: W -= lr · (g + μ v)).
 * With μ = 0 this is the course's W -= learning_rate · dL/dW.
 */
export class SGD extends Optimizer {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  private readonly velocity = new Map<Tensor, Float64Array>();

  constructor(params: Iterable<Tensor>, options: SGDOptions = {}) {
    super('SGD', params);
    options = checkOptions('SGD', options, { lr: 'any', momentum: 'any', weightDecay: 'any', nesterov: 'boolean' }, '{ lr: 0.1, momentum: 0.9 }');
    this.lr = checkHyperparameter('SGD', 'lr', options.lr ?? 0.01, 0);
    this.momentum = checkHyperparameter('SGD', 'momentum', options.momentum ?? 0, 0);
    this.weightDecay = checkHyperparameter('SGD', 'weightDecay', options.weightDecay ?? 0, 0);
    this.nesterov = options.nesterov ?? false;
    // PyTorch's rule: Nesterov's look-ahead needs a velocity; with momentum 0 it would be plain SGD silently.
    if (this.nesterov && this.momentum === 0) throw new ValueError('SGD', 'nesterov momentum requires a momentum > 0, got momentum 0');
  }

  step(): void {
    const { lr, momentum, weightDecay, nesterov } = this;
    noGrad(() => {
      for (const p of this.params) {
        // Frozen (requiresGrad false, maybe since its last backward) or not reached by backward: no update.
        const grad = p._peekGrad();
        if (grad === null || !p.requiresGrad) continue;
        const g = grad.data;
        let buffer: Float64Array | null = null;
        if (momentum !== 0) {
          buffer = this.velocity.get(p) ?? null;
          if (buffer === null) {
            // Zeros make the first step v = g, which is PyTorch's first-step buffer. Beside a weight in
            // the kernel's memory, so that the update runs in the kernel's SIMD loop.
            buffer = storageLike(p.nd.data, p.size);
            this.velocity.set(p, buffer);
          }
        }
        // ops' sgdUpdate: the kernel's f64x2 loops for a weight in its memory, else element by element,
        // with the same rounding; each case reads no more than it needs (plain SGD reads w and g once).
        const v = buffer;
        p.mutate((w) => sgdUpdate(w, g, v, { lr, momentum, weightDecay, nesterov }));
      }
    });
  }
}

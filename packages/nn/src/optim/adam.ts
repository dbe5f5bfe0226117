import { ValueError, noGrad, type Tensor } from '@tensorgrad/core';
import { adamUpdate, storageLike } from '@tensorgrad/ops';
import { Optimizer, checkHyperparameter } from './optimizer.js';
import { checkOptions } from '../options.js';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty λ added to the gradient as λ·W (default 0; this is Adam, not AdamW). */
  weightDecay?: number;
}

interface AdamState {
  step: number;
  m: Float64Array;
  v: Float64Array;
}

/**
 * Adam (Kingma & Ba), with PyTorch's arithmetic:
 *   g = dL/dW + λ W;  m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
 *   W -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
 * where t counts the steps this parameter has taken.
 */
export class Adam extends Optimizer {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  private readonly state = new Map<Tensor, AdamState>();

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('Adam', params);
    options = checkOptions('Adam', options, { lr: 'any', betas: 'any', eps: 'any', weightDecay: 'any' }, '{ lr: 0.001 }');
    this.lr = checkHyperparameter('Adam', 'lr', options.lr ?? 1e-3, 0);
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new ValueError('Adam', `betas must be a pair [beta1, beta2], got ${String(betas)}`);
    checkHyperparameter('Adam', 'betas[0]', betas[0], 0, 1);
    checkHyperparameter('Adam', 'betas[1]', betas[1], 0, 1);
    this.betas = [betas[0], betas[1]];
    this.eps = checkHyperparameter('Adam', 'eps', options.eps ?? 1e-8, 0);
    this.weightDecay = checkHyperparameter('Adam', 'weightDecay', options.weightDecay ?? 0, 0);
  }

  step(): void {
    const { lr, eps, weightDecay } = this;
    const [beta1, beta2] = this.betas;
    noGrad(() => {
      for (const p of this.params) {
        // Frozen (requiresGrad false, maybe since its last backward) or not reached by backward: no update.
        const grad = p._peekGrad();
        if (grad === null || !p.requiresGrad) continue;
        const g = grad.data;
        let s = this.state.get(p);
        if (s === undefined) {
          // Moments of a weight in the kernel's memory live there too, so that the update runs in the
          // kernel's SIMD loop (adamUpdate).
          s = { step: 0, m: storageLike(p.nd.data, p.size), v: storageLike(p.nd.data, p.size) };
          this.state.set(p, s);
        }
        const { m, v } = s;
        const t = ++s.step;
        const stepSize = lr / (1 - beta1 ** t);
        const sqrtCorrection2 = Math.sqrt(1 - beta2 ** t);
        p.mutate((w) => adamUpdate(w, g, m, v, { weightDecay, beta1, beta2, stepSize, sqrtCorrection2, eps }));
      }
    });
  }
}

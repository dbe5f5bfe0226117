import { ValueError, describeValue, noGrad, type Tensor } from '@tensorgrad/core';
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
  #lr = 0;
  #betas: readonly [number, number] = [0.9, 0.999];
  #eps = 0;
  #weightDecay = 0;
  private readonly state = new Map<Tensor, AdamState>();

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('Adam', params);
    options = checkOptions('Adam', options, { lr: 'any', betas: 'any', eps: 'any', weightDecay: 'any' }, '{ lr: 0.001 }');
    this.lr = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  // The hyper-parameters may change between steps (a schedule); each assignment is checked as the
  // constructor's options are, so `opt.lr = NaN` throws and the optimizer keeps its last good value.
  /** Learning rate: a finite number >= 0. */
  get lr(): number {
    return this.#lr;
  }
  set lr(value: number) {
    this.#lr = checkHyperparameter('Adam', 'lr', value, 0);
  }

  /** Decay rates of the moment estimates, each in [0, 1); a frozen pair (assign a new one to change it). */
  get betas(): readonly [number, number] {
    return this.#betas;
  }
  set betas(value: readonly [number, number]) {
    if (!Array.isArray(value) || value.length !== 2) throw new ValueError('Adam', `betas must be a pair [beta1, beta2], got ${describeValue(value)}`);
    checkHyperparameter('Adam', 'betas[0]', value[0], 0, 1);
    checkHyperparameter('Adam', 'betas[1]', value[1], 0, 1);
    this.#betas = Object.freeze([value[0], value[1]] as const);
  }

  /** Added to the denominator: a finite number >= 0. */
  get eps(): number {
    return this.#eps;
  }
  set eps(value: number) {
    this.#eps = checkHyperparameter('Adam', 'eps', value, 0);
  }

  /** L2 penalty λ: a finite number >= 0. */
  get weightDecay(): number {
    return this.#weightDecay;
  }
  set weightDecay(value: number) {
    this.#weightDecay = checkHyperparameter('Adam', 'weightDecay', value, 0);
  }

  step(): void {
    const lr = this.#lr;
    const eps = this.#eps;
    const weightDecay = this.#weightDecay;
    const [beta1, beta2] = this.#betas;
    // Every gradient is checked, and every missing moment allocated, before any parameter, moment or
    // step count is written.
    const updates = this.updates().map((u) => {
      // Moments of a weight in the kernel's memory live there too, so that the update runs in the
      // kernel's SIMD loop (adamUpdate).
      const state = this.state.get(u.param) ?? { step: 0, m: storageLike(u.param.nd.data, u.param.size), v: storageLike(u.param.nd.data, u.param.size) };
      return { ...u, state };
    });
    noGrad(() => {
      for (const { param, grad, state } of updates) {
        this.state.set(param, state);
        const { m, v } = state;
        const t = ++state.step;
        const stepSize = lr / (1 - beta1 ** t);
        const sqrtCorrection2 = Math.sqrt(1 - beta2 ** t);
        param.mutate((w) => adamUpdate(w, grad, m, v, { weightDecay, beta1, beta2, stepSize, sqrtCorrection2, eps }));
      }
    });
  }
}

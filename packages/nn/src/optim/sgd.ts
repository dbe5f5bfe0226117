import { ValueError, describeValue, noGrad, type Tensor } from '@tensorgrad/core';
import { sgdUpdate, storageLike } from '@tensorgrad/ops';
import { Optimizer, checkHyperparameter, type RawState, type StateKeys } from './optimizer.js';
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
  #lr = 0;
  #momentum = 0;
  #weightDecay = 0;
  #nesterov = false;
  private readonly velocity = new Map<Tensor, Float64Array>();

  constructor(params: Iterable<Tensor>, options: SGDOptions = {}) {
    super('SGD', params);
    options = checkOptions('SGD', options, { lr: 'any', momentum: 'any', weightDecay: 'any', nesterov: 'boolean' }, '{ lr: 0.1, momentum: 0.9 }');
    this.lr = options.lr ?? 0.01;
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    checkNesterov(this.#nesterov, this.#momentum);
  }

  // The hyper-parameters may change between steps (a schedule); each assignment is checked as the
  // constructor's options are, so `opt.lr = NaN` throws and the optimizer keeps its last good value.
  /** Learning rate: a finite number >= 0. */
  get lr(): number {
    return this.#lr;
  }
  set lr(value: number) {
    this.#lr = checkHyperparameter('SGD', 'lr', value, 0);
  }

  /** Momentum factor μ: a finite number >= 0. */
  get momentum(): number {
    return this.#momentum;
  }
  set momentum(value: number) {
    this.#momentum = checkHyperparameter('SGD', 'momentum', value, 0);
  }

  /** L2 penalty λ: a finite number >= 0. */
  get weightDecay(): number {
    return this.#weightDecay;
  }
  set weightDecay(value: number) {
    this.#weightDecay = checkHyperparameter('SGD', 'weightDecay', value, 0);
  }

  /** Nesterov momentum (needs momentum > 0, checked here and at each step). */
  get nesterov(): boolean {
    return this.#nesterov;
  }
  set nesterov(value: boolean) {
    if (typeof value !== 'boolean') throw new ValueError('SGD', `nesterov must be true or false, got ${describeValue(value)}`);
    this.#nesterov = value;
  }

  protected options(): Record<string, unknown> {
    return { lr: this.#lr, momentum: this.#momentum, weightDecay: this.#weightDecay, nesterov: this.#nesterov };
  }

  protected withOptions(options: Record<string, unknown>): SGD {
    return new SGD(this.params, options as SGDOptions);
  }

  protected copyOptions(other: SGD): void {
    this.lr = other.lr;
    this.momentum = other.momentum;
    this.weightDecay = other.weightDecay;
    this.nesterov = other.nesterov;
  }

  // PyTorch's `momentum_buffer`, for the parameters that have one (none with momentum 0).
  protected stateKeys(): StateKeys {
    return { counts: [], buffers: ['momentumBuffer'] };
  }

  protected getState(param: Tensor): RawState | null {
    const buffer = this.velocity.get(param);
    return buffer === undefined ? null : { momentumBuffer: buffer };
  }

  protected setState(states: Map<Tensor, RawState>): void {
    this.velocity.clear();
    for (const [param, state] of states) this.velocity.set(param, state.momentumBuffer as Float64Array);
  }

  step(): void {
    const lr = this.#lr;
    const momentum = this.#momentum;
    const weightDecay = this.#weightDecay;
    const nesterov = this.#nesterov;
    // Momentum may have been set to 0 after construction, with nesterov still on.
    checkNesterov(nesterov, momentum);
    // Every gradient is checked, and every missing velocity allocated, before any parameter is written.
    const updates = this.updates().map((u) => {
      // Zeros make the first step v = g, which is PyTorch's first-step buffer. Beside a weight in the
      // kernel's memory, so that the update runs in the kernel's SIMD loop.
      const buffer = momentum === 0 ? null : (this.velocity.get(u.param) ?? storageLike(u.param.nd.data, u.param.size));
      return { ...u, buffer };
    });
    noGrad(() => {
      for (const { param, grad, buffer } of updates) {
        if (buffer !== null) this.velocity.set(param, buffer);
        // ops' sgdUpdate: the kernel's f64x2 loops for a weight in its memory, else element by element,
        // with the same rounding; each case reads no more than it needs (plain SGD reads w and g once).
        param.mutate((w) => sgdUpdate(w, grad, buffer, { lr, momentum, weightDecay, nesterov }));
      }
    });
  }
}

/** PyTorch's rule: Nesterov's look-ahead needs a velocity; with momentum 0 it would be plain SGD silently. */
function checkNesterov(nesterov: boolean, momentum: number): void {
  if (nesterov && momentum === 0) throw new ValueError('SGD', 'nesterov momentum requires a momentum > 0, got momentum 0');
}

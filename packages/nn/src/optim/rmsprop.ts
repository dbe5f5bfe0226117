import { ValueError, describeValue, noGrad, type Tensor } from '@tensorgrad/core';
import { storageLike } from '@tensorgrad/ops';
import { Optimizer, checkHyperparameter, type RawState, type StateKeys } from './optimizer.js';
import { checkOptions } from '../options.js';

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant α of the running mean of g² (default 0.99). */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty λ added to the gradient as λ·W (default 0). */
  weightDecay?: number;
  /** Momentum factor μ (default 0). */
  momentum?: number;
  /** Centered RMSprop: divide by an estimate of the gradient's variance instead of its raw second moment (default false). */
  centered?: boolean;
}

interface RMSpropState {
  step: number;
  squareAvg: Float64Array;
  /** Allocated at the first step with momentum > 0. */
  momentumBuffer: Float64Array | null;
  /** Centered only. */
  gradAvg: Float64Array | null;
}

/**
 * RMSprop (Hinton), with PyTorch's arithmetic:
 *   g = dL/dW + λ W;  s = α s + (1-α) g²;  d = sqrt(s) + eps
 *   (centered: a = α a + (1-α) g, d = sqrt(s - a²) + eps)
 *   W -= lr · g / d, or with momentum: b = μ b + g / d, W -= lr · b.
 */
export class RMSprop extends Optimizer {
  #lr = 0;
  #alpha = 0;
  #eps = 0;
  #weightDecay = 0;
  #momentum = 0;
  #centered = false;
  private readonly state = new Map<Tensor, RMSpropState>();

  constructor(params: Iterable<Tensor>, options: RMSpropOptions = {}) {
    super('RMSprop', params);
    options = checkOptions('RMSprop', options, { lr: 'any', alpha: 'any', eps: 'any', weightDecay: 'any', momentum: 'any', centered: 'boolean' }, '{ lr: 0.01, momentum: 0.9 }');
    this.lr = options.lr ?? 1e-2;
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.momentum = options.momentum ?? 0;
    this.#centered = options.centered ?? false;
  }

  /** Learning rate: a finite number >= 0. */
  get lr(): number {
    return this.#lr;
  }
  set lr(value: number) {
    this.#lr = checkHyperparameter('RMSprop', 'lr', value, 0);
  }

  /** Smoothing constant α, in [0, 1]: α = 1 keeps the first s forever, so it is allowed as in PyTorch. */
  get alpha(): number {
    return this.#alpha;
  }
  set alpha(value: number) {
    checkHyperparameter('RMSprop', 'alpha', value, 0);
    if (value > 1) throw new ValueError('RMSprop', `alpha must be a finite number in [0, 1], got ${describeValue(value)}`);
    this.#alpha = value;
  }

  /** Added to the denominator: a finite number >= 0. */
  get eps(): number {
    return this.#eps;
  }
  set eps(value: number) {
    this.#eps = checkHyperparameter('RMSprop', 'eps', value, 0);
  }

  /** L2 penalty λ: a finite number >= 0. */
  get weightDecay(): number {
    return this.#weightDecay;
  }
  set weightDecay(value: number) {
    this.#weightDecay = checkHyperparameter('RMSprop', 'weightDecay', value, 0);
  }

  /** Momentum factor μ: a finite number >= 0. */
  get momentum(): number {
    return this.#momentum;
  }
  set momentum(value: number) {
    this.#momentum = checkHyperparameter('RMSprop', 'momentum', value, 0);
  }

  /** Centered, fixed at construction (or by loadStateDict): the running mean of g exists from the first step or not at all. */
  get centered(): boolean {
    return this.#centered;
  }

  protected options(): Record<string, unknown> {
    return { lr: this.#lr, alpha: this.#alpha, eps: this.#eps, weightDecay: this.#weightDecay, momentum: this.#momentum, centered: this.#centered };
  }

  protected withOptions(options: Record<string, unknown>): RMSprop {
    return new RMSprop(this.params, options as RMSpropOptions);
  }

  protected copyOptions(other: RMSprop): void {
    this.lr = other.lr;
    this.alpha = other.alpha;
    this.eps = other.eps;
    this.weightDecay = other.weightDecay;
    this.momentum = other.momentum;
    this.#centered = other.centered;
  }

  // PyTorch's names: step, square_avg, momentum_buffer (once momentum has been > 0), grad_avg (centered).
  protected stateKeys(optimizer: RMSprop): StateKeys {
    return { counts: ['step'], buffers: optimizer.centered ? ['squareAvg', 'gradAvg'] : ['squareAvg'], optionalBuffers: ['momentumBuffer'] };
  }

  protected getState(param: Tensor): RawState | null {
    const s = this.state.get(param);
    if (s === undefined) return null;
    const raw: RawState = { step: s.step, squareAvg: s.squareAvg };
    if (s.momentumBuffer !== null) raw.momentumBuffer = s.momentumBuffer;
    if (s.gradAvg !== null) raw.gradAvg = s.gradAvg;
    return raw;
  }

  protected setState(states: Map<Tensor, RawState>): void {
    this.state.clear();
    for (const [param, s] of states) {
      this.state.set(param, {
        step: s.step as number,
        squareAvg: s.squareAvg as Float64Array,
        momentumBuffer: (s.momentumBuffer as Float64Array | undefined) ?? null,
        gradAvg: (s.gradAvg as Float64Array | undefined) ?? null,
      });
    }
  }

  step(): void {
    const lr = this.#lr;
    const alpha = this.#alpha;
    const eps = this.#eps;
    const weightDecay = this.#weightDecay;
    const momentum = this.#momentum;
    const centered = this.#centered;
    // Every gradient is checked, and every missing buffer allocated, before anything is written.
    const updates = this.updates().map((u) => {
      const data = u.param.nd.data;
      const n = u.param.size;
      const old = this.state.get(u.param);
      const state: RMSpropState = old ?? { step: 0, squareAvg: storageLike(data, n), momentumBuffer: null, gradAvg: centered ? storageLike(data, n) : null };
      // Zeros make the first momentum step b = g / d, PyTorch's.
      const momentumBuffer = momentum > 0 ? (state.momentumBuffer ?? storageLike(data, n)) : state.momentumBuffer;
      return { ...u, state, momentumBuffer };
    });
    const c = 1 - alpha;
    noGrad(() => {
      for (const { param, grad: g, state, momentumBuffer } of updates) {
        state.momentumBuffer = momentumBuffer;
        this.state.set(param, state);
        state.step++;
        const { squareAvg: s, gradAvg: a } = state;
        const b = momentumBuffer;
        param.mutate((w) => {
          for (let i = 0; i < w.length; i++) {
            const gi = g[i]! + weightDecay * w[i]!;
            const si = alpha * s[i]! + c * gi * gi;
            s[i] = si;
            let d: number;
            if (a !== null) {
              const ai = alpha * a[i]! + c * gi;
              a[i] = ai;
              d = Math.sqrt(si - ai * ai) + eps;
            } else d = Math.sqrt(si) + eps;
            if (momentum > 0) {
              const bi = momentum * b![i]! + gi / d;
              b![i] = bi;
              w[i] = w[i]! - lr * bi;
            } else w[i] = w[i]! - (lr * gi) / d;
          }
        });
      }
    });
  }
}

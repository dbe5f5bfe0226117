import { ValueError, describeValue, noGrad, type Tensor } from '@tensorgrad/core';
import { adamUpdate, storageLike, type AdamCoefficients } from '@tensorgrad/ops';
import { Optimizer, checkHyperparameter, type RawState, type StateKeys } from './optimizer.js';
import { checkOptions } from '../options.js';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /**
   * Adam: an L2 penalty λ added to the gradient as λ·W (default 0). AdamW: the decoupled decay, W shrunk
   * by lr·λ·W before the step (default 1e-2).
   */
  weightDecay?: number;
  /** AMSGrad: divide by the largest second moment seen so far instead of the current one (default false). */
  amsgrad?: boolean;
}

interface AdamState {
  step: number;
  m: Float64Array;
  v: Float64Array;
  /** AMSGrad's running maximum of v (null without amsgrad). */
  maxV: Float64Array | null;
}

/**
 * Adam and AdamW: the same moments and step, with the weight decay added to the gradient (Adam) or
 * applied to the weight alone (AdamW, `decoupled`).
 */
abstract class AdamFamily extends Optimizer {
  #lr = 0;
  #betas: readonly [number, number] = [0.9, 0.999];
  #eps = 0;
  #weightDecay = 0;
  #amsgrad = false;
  readonly #decoupled: boolean;
  private readonly state = new Map<Tensor, AdamState>();

  protected constructor(name: string, params: Iterable<Tensor>, options: AdamOptions, defaultWeightDecay: number, decoupled: boolean) {
    super(name, params);
    this.#decoupled = decoupled;
    options = checkOptions(name, options, { lr: 'any', betas: 'any', eps: 'any', weightDecay: 'any', amsgrad: 'boolean' }, '{ lr: 0.001 }');
    this.lr = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultWeightDecay;
    this.#amsgrad = options.amsgrad ?? false;
  }

  // The hyper-parameters may change between steps (a schedule); each assignment is checked as the
  // constructor's options are, so `opt.lr = NaN` throws and the optimizer keeps its last good value.
  /** Learning rate: a finite number >= 0. */
  get lr(): number {
    return this.#lr;
  }
  set lr(value: number) {
    this.#lr = checkHyperparameter(this.optimizerName, 'lr', value, 0);
  }

  /** Decay rates of the moment estimates, each in [0, 1); a frozen pair (assign a new one to change it). */
  get betas(): readonly [number, number] {
    return this.#betas;
  }
  set betas(value: readonly [number, number]) {
    const name = this.optimizerName;
    if (!Array.isArray(value) || value.length !== 2) throw new ValueError(name, `betas must be a pair [beta1, beta2], got ${describeValue(value)}`);
    checkHyperparameter(name, 'betas[0]', value[0], 0, 1);
    checkHyperparameter(name, 'betas[1]', value[1], 0, 1);
    this.#betas = Object.freeze([value[0], value[1]] as const);
  }

  /** Added to the denominator: a finite number >= 0. */
  get eps(): number {
    return this.#eps;
  }
  set eps(value: number) {
    this.#eps = checkHyperparameter(this.optimizerName, 'eps', value, 0);
  }

  /** Weight decay λ: a finite number >= 0. */
  get weightDecay(): number {
    return this.#weightDecay;
  }
  set weightDecay(value: number) {
    this.#weightDecay = checkHyperparameter(this.optimizerName, 'weightDecay', value, 0);
  }

  /**
   * AMSGrad, fixed at construction (or by loadStateDict): the running maximum it keeps exists from the
   * first step or not at all.
   */
  get amsgrad(): boolean {
    return this.#amsgrad;
  }

  protected options(): Record<string, unknown> {
    return { lr: this.#lr, betas: this.#betas, eps: this.#eps, weightDecay: this.#weightDecay, amsgrad: this.#amsgrad };
  }

  protected copyOptions(other: AdamFamily): void {
    this.lr = other.lr;
    this.betas = other.betas;
    this.eps = other.eps;
    this.weightDecay = other.weightDecay;
    this.#amsgrad = other.amsgrad;
  }

  // PyTorch's names: step, exp_avg, exp_avg_sq, and max_exp_avg_sq with amsgrad.
  protected stateKeys(optimizer: AdamFamily): StateKeys {
    return { counts: ['step'], buffers: optimizer.amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq'] };
  }

  protected getState(param: Tensor): RawState | null {
    const s = this.state.get(param);
    if (s === undefined) return null;
    const raw: RawState = { step: s.step, expAvg: s.m, expAvgSq: s.v };
    if (s.maxV !== null) raw.maxExpAvgSq = s.maxV;
    return raw;
  }

  protected setState(states: Map<Tensor, RawState>): void {
    this.state.clear();
    for (const [param, s] of states) {
      this.state.set(param, { step: s.step as number, m: s.expAvg as Float64Array, v: s.expAvgSq as Float64Array, maxV: (s.maxExpAvgSq as Float64Array | undefined) ?? null });
    }
  }

  step(): void {
    const lr = this.#lr;
    const eps = this.#eps;
    const [beta1, beta2] = this.#betas;
    const amsgrad = this.#amsgrad;
    // AdamW decays the weight itself (W *= 1 - lr·λ, PyTorch's order: before the step) and not the gradient.
    const decay = this.#decoupled ? 1 - lr * this.#weightDecay : 1;
    const weightDecay = this.#decoupled ? 0 : this.#weightDecay;
    // Every gradient is checked, and every missing moment allocated, before any parameter, moment or
    // step count is written.
    const updates = this.updates().map((u) => {
      // Moments of a weight in the kernel's memory live there too, so that the update runs in the
      // kernel's SIMD loop (adamUpdate).
      const data = u.param.nd.data;
      const state = this.state.get(u.param) ?? { step: 0, m: storageLike(data, u.param.size), v: storageLike(data, u.param.size), maxV: amsgrad ? storageLike(data, u.param.size) : null };
      return { ...u, state };
    });
    noGrad(() => {
      for (const { param, grad, state } of updates) {
        this.state.set(param, state);
        const { m, v, maxV } = state;
        const t = ++state.step;
        const stepSize = lr / (1 - beta1 ** t);
        const sqrtCorrection2 = Math.sqrt(1 - beta2 ** t);
        const coefficients = { weightDecay, beta1, beta2, stepSize, sqrtCorrection2, eps };
        param.mutate((w) => {
          if (decay !== 1) for (let i = 0; i < w.length; i++) w[i]! *= decay;
          if (maxV === null) adamUpdate(w, grad, m, v, coefficients);
          else amsgradLoop(w, grad, m, v, maxV, coefficients);
        });
      }
    });
  }
}

/** Adam's loop with AMSGrad's denominator: the running maximum of v (PyTorch's max_exp_avg_sq). */
function amsgradLoop(
  w: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  maxV: Float64Array,
  c: AdamCoefficients,
): void {
  const { weightDecay, beta1, beta2, stepSize, sqrtCorrection2, eps } = c;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + weightDecay * w[i]!;
    const mi = beta1 * m[i]! + c1 * gi;
    const vi = beta2 * v[i]! + c2 * gi * gi;
    // Math.max keeps a NaN, as torch.maximum does.
    const top = Math.max(maxV[i]!, vi);
    m[i] = mi;
    v[i] = vi;
    maxV[i] = top;
    w[i] = w[i]! - (stepSize * mi) / (Math.sqrt(top) / sqrtCorrection2 + eps);
  }
}

/**
 * Adam (Kingma & Ba), with PyTorch's arithmetic:
 *   g = dL/dW + λ W;  m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
 *   W -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
 * where t counts the steps this parameter has taken (with amsgrad, v in the denominator is the largest
 * v so far).
 */
export class Adam extends AdamFamily {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('Adam', params, options, 0, false);
  }

  protected withOptions(options: Record<string, unknown>): Adam {
    return new Adam(this.params, options as AdamOptions);
  }
}

/**
 * AdamW (Loshchilov & Hutter), PyTorch's: Adam with decoupled weight decay. The weight decays by
 * itself, W *= 1 - lr·λ, and the gradient that feeds the moments is dL/dW alone; then Adam's step.
 * PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2, amsgrad false.
 */
export class AdamW extends AdamFamily {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('AdamW', params, options, 1e-2, true);
  }

  protected withOptions(options: Record<string, unknown>): AdamW {
    return new AdamW(this.params, options as AdamOptions);
  }
}

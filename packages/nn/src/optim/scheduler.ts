import { ValueError, describeValue } from '@tensorgrad/core';
import { Optimizer } from './optimizer.js';
import { checkOptions } from '../options.js';

/** A scheduler's state: plain numbers (JSON as it is), PyTorch's scheduler state_dict in camelCase. */
export type SchedulerStateDict = Record<string, number>;

/**
 * The learning rate each optimizer had when its first scheduler was made (PyTorch's `initial_lr`), so
 * that a second scheduler on the same optimizer starts from it too.
 */
const initialLrs = new WeakMap<Optimizer, number>();

/** Python's modulo (the result has the divisor's sign), which PyTorch's formulas are written with. */
function pmod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function checkInteger(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new ValueError(op, `${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  return value;
}

function checkNumber(op: string, name: string, value: unknown, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ValueError(op, `${name} must be a finite number ${max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Base class of the learning-rate schedulers, after PyTorch's LRScheduler: made after the optimizer,
 * it sets the optimizer's lr for epoch 0 at once; each `step()` (call it after `optimizer.step()`,
 * once per epoch or per iteration as the schedule is meant) moves to the next epoch and sets the lr.
 * The formulas are PyTorch's recursive ones (each lr from the optimizer's current lr), so a schedule
 * follows PyTorch's numbers and composes with a change of lr made between steps, as PyTorch's does.
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  #baseLr: number;
  #lastEpoch = -1;
  #lastLr = NaN;
  readonly #name: string;

  protected constructor(name: string, optimizer: Optimizer) {
    this.#name = name;
    if (!(optimizer instanceof Optimizer)) throw new ValueError(name, `expected an Optimizer (SGD, Adam, ...), got ${describeValue(optimizer)}`);
    this.optimizer = optimizer;
    if (!initialLrs.has(optimizer)) initialLrs.set(optimizer, optimizer.lr);
    this.#baseLr = initialLrs.get(optimizer)!;
  }

  /** The lr the schedule starts from (PyTorch's base_lrs, for the one group). */
  get baseLr(): number {
    return this.#baseLr;
  }

  /** The epoch the current lr belongs to: 0 after construction, +1 per step() (PyTorch's last_epoch). */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }

  /** The lr for `epoch`, from the optimizer's current lr (the lr of epoch - 1). */
  protected abstract computeLr(epoch: number, lr: number): number;

  /** The schedule's own hyper-parameters, by name (part of the state dict). */
  protected abstract hyperparameters(): Record<string, number>;

  /** Checks hyper-parameters as the constructor does (a ValueError), and returns a function assigning them. */
  protected abstract checkHyperparameters(values: Record<string, number>): () => void;

  /** The constructor's first step (epoch 0), once the subclass has its hyper-parameters. */
  protected initialStep(): void {
    this.step();
  }

  /** Moves to the next epoch and sets the optimizer's lr for it. */
  step(): void {
    const epoch = this.#lastEpoch + 1;
    const lr = this.computeLr(epoch, this.optimizer.lr);
    // The optimizer's setter refuses a NaN (from an lr set by hand, say): then the scheduler stays where it was.
    this.optimizer.lr = lr;
    this.#lastEpoch = epoch;
    this.#lastLr = lr;
  }

  /** The lr the last step() set (PyTorch's get_last_lr(), which returns one per group; here there is one). */
  getLastLr(): number {
    return this.#lastLr;
  }

  /**
   * The scheduler's state as plain numbers: the schedule's hyper-parameters, `baseLr`, `lastEpoch` and
   * `lastLr`. To resume, make the scheduler on an optimizer that has loaded its own state dict (which
   * holds the lr), then load this.
   */
  stateDict(): SchedulerStateDict {
    return { ...this.hyperparameters(), baseLr: this.#baseLr, lastEpoch: this.#lastEpoch, lastLr: this.#lastLr };
  }

  /**
   * Restores a state from `stateDict()`. Every key and value is checked first (a ValueError naming the
   * key, and nothing changed). Sets nothing on the optimizer: its lr is part of the optimizer's state dict.
   */
  loadStateDict(state: SchedulerStateDict): void {
    const op = 'loadStateDict';
    if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new ValueError(op, `${this.#name} expects an object of numbers, got ${describeValue(state)}`);
    const expected = Object.keys(this.stateDict());
    const keys = Object.keys(state);
    const missing = expected.filter((k) => !keys.includes(k));
    const unexpected = keys.filter((k) => !expected.includes(k));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts: string[] = [];
      if (missing.length > 0) parts.push(`missing ${missing.map((k) => `'${k}'`).join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected ${unexpected.map((k) => `'${k}'`).join(', ')}`);
      throw new ValueError(op, `${this.#name}'s state dict: ${parts.join('; ')} (expected ${expected.map((k) => `'${k}'`).join(', ')})`);
    }
    const values = state as Record<string, unknown>;
    const baseLr = checkNumber(op, 'baseLr', values.baseLr, 0);
    const lastEpoch = checkInteger(op, 'lastEpoch', values.lastEpoch, 0);
    const lastLr = checkNumber(op, 'lastLr', values.lastLr, 0);
    const hyper: Record<string, number> = {};
    for (const key of Object.keys(this.hyperparameters())) hyper[key] = values[key] as number;
    let assign: () => void;
    try {
      assign = this.checkHyperparameters(hyper);
    } catch (error) {
      if (error instanceof ValueError) throw new ValueError(op, error.message);
      throw error;
    }
    assign();
    this.#baseLr = baseLr;
    this.#lastEpoch = lastEpoch;
    this.#lastLr = lastLr;
  }
}

export interface StepLROptions {
  /** The factor of each decay (default 0.1). */
  gamma?: number;
}

/** Multiplies the lr by gamma every `stepSize` epochs: lr = baseLr · gamma^⌊epoch / stepSize⌋ (PyTorch's StepLR). */
export class StepLR extends LRScheduler {
  #stepSize = 1;
  #gamma = 0.1;

  constructor(optimizer: Optimizer, stepSize: number, options: StepLROptions = {}) {
    super('StepLR', optimizer);
    const { gamma = 0.1 } = checkOptions('StepLR', options, { gamma: 'any' }, '{ gamma: 0.5 }');
    this.checkHyperparameters({ stepSize, gamma })();
    this.initialStep();
  }

  /** Epochs between decays: an integer >= 1. */
  get stepSize(): number {
    return this.#stepSize;
  }

  /** The factor of each decay: a finite number >= 0. */
  get gamma(): number {
    return this.#gamma;
  }

  // PyTorch's recursive form: the lr is multiplied by gamma at every multiple of stepSize.
  protected computeLr(epoch: number, lr: number): number {
    return epoch === 0 || epoch % this.#stepSize !== 0 ? lr : lr * this.#gamma;
  }

  protected hyperparameters(): Record<string, number> {
    return { stepSize: this.#stepSize, gamma: this.#gamma };
  }

  protected checkHyperparameters(values: Record<string, number>): () => void {
    const stepSize = checkInteger('StepLR', 'stepSize', values.stepSize, 1);
    const gamma = checkNumber('StepLR', 'gamma', values.gamma, 0);
    return () => {
      this.#stepSize = stepSize;
      this.#gamma = gamma;
    };
  }
}

export interface CosineAnnealingLROptions {
  /** The lowest lr (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing (SGDR without restarts, PyTorch's CosineAnnealingLR): over `tMax` epochs the lr
 * falls from baseLr to etaMin along half a cosine, lr = etaMin + (baseLr - etaMin)(1 + cos(π·epoch/tMax))/2,
 * then climbs back along the next half (PyTorch's schedule beyond tMax).
 */
export class CosineAnnealingLR extends LRScheduler {
  #tMax = 1;
  #etaMin = 0;

  constructor(optimizer: Optimizer, tMax: number, options: CosineAnnealingLROptions = {}) {
    super('CosineAnnealingLR', optimizer);
    const { etaMin = 0 } = checkOptions('CosineAnnealingLR', options, { etaMin: 'any' }, '{ etaMin: 0.001 }');
    this.checkHyperparameters({ tMax, etaMin })();
    this.initialStep();
  }

  /** Epochs of the descent from baseLr to etaMin: an integer >= 1. */
  get tMax(): number {
    return this.#tMax;
  }

  /** The lowest lr: a finite number >= 0. */
  get etaMin(): number {
    return this.#etaMin;
  }

  // PyTorch's recursive form, case for case (its get_lr): the ratio of consecutive cosine factors, and at
  // the bottom of each descent (epoch = tMax + 1 + 2k·tMax) the step that starts the climb.
  protected computeLr(epoch: number, lr: number): number {
    const T = this.#tMax;
    const etaMin = this.#etaMin;
    if (epoch === 0) return lr;
    if (pmod(epoch - 1 - T, 2 * T) === 0) return lr + ((this.baseLr - etaMin) * (1 - Math.cos(Math.PI / T))) / 2;
    return ((1 + Math.cos((Math.PI * epoch) / T)) / (1 + Math.cos((Math.PI * (epoch - 1)) / T))) * (lr - etaMin) + etaMin;
  }

  protected hyperparameters(): Record<string, number> {
    return { tMax: this.#tMax, etaMin: this.#etaMin };
  }

  protected checkHyperparameters(values: Record<string, number>): () => void {
    const tMax = checkInteger('CosineAnnealingLR', 'tMax', values.tMax, 1);
    const etaMin = checkNumber('CosineAnnealingLR', 'etaMin', values.etaMin, 0);
    return () => {
      this.#tMax = tMax;
      this.#etaMin = etaMin;
    };
  }
}

export interface LinearLROptions {
  /** The factor of the lr at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** The factor reached at epoch totalIters and kept after, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs of the ramp (default 5). */
  totalIters?: number;
}

/**
 * A linear ramp of the lr's factor from startFactor to endFactor over totalIters epochs, then constant
 * (PyTorch's LinearLR). A linear warm-up: `new LinearLR(opt, { startFactor: 0.01, totalIters: 100 })`.
 */
export class LinearLR extends LRScheduler {
  #startFactor = 1 / 3;
  #endFactor = 1;
  #totalIters = 5;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super('LinearLR', optimizer);
    const o = checkOptions('LinearLR', options, { startFactor: 'any', endFactor: 'any', totalIters: 'any' }, '{ startFactor: 0.1, totalIters: 10 }');
    this.checkHyperparameters({ startFactor: o.startFactor ?? 1 / 3, endFactor: o.endFactor ?? 1, totalIters: o.totalIters ?? 5 })();
    this.initialStep();
  }

  /** The lr's factor at epoch 0, in (0, 1]. */
  get startFactor(): number {
    return this.#startFactor;
  }

  /** The factor reached at epoch totalIters, in [0, 1]. */
  get endFactor(): number {
    return this.#endFactor;
  }

  /** Epochs of the ramp: an integer >= 1. */
  get totalIters(): number {
    return this.#totalIters;
  }

  // PyTorch's recursive form (its get_lr): each step multiplies the lr by the ratio of consecutive factors.
  protected computeLr(epoch: number, lr: number): number {
    const s = this.#startFactor;
    const f = this.#endFactor;
    const n = this.#totalIters;
    if (epoch === 0) return lr * s;
    if (epoch > n) return lr;
    return lr * (1 + (f - s) / (n * s + (epoch - 1) * (f - s)));
  }

  protected hyperparameters(): Record<string, number> {
    return { startFactor: this.#startFactor, endFactor: this.#endFactor, totalIters: this.#totalIters };
  }

  protected checkHyperparameters(values: Record<string, number>): () => void {
    const startFactor = checkNumber('LinearLR', 'startFactor', values.startFactor, 0, 1);
    if (startFactor === 0) throw new ValueError('LinearLR', 'startFactor must be > 0 (the ramp divides by it), got 0');
    const endFactor = checkNumber('LinearLR', 'endFactor', values.endFactor, 0, 1);
    const totalIters = checkInteger('LinearLR', 'totalIters', values.totalIters, 1);
    return () => {
      this.#startFactor = startFactor;
      this.#endFactor = endFactor;
      this.#totalIters = totalIters;
    };
  }
}

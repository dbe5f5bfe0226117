import { ShapeError, Tensor, TensorgradError, ValueError, broadcastAxis, describeValue, formatShape, fromData, shapesEqual, type ZeroGradOptions } from '@tensorgrad/core';
import { storageLike } from '@tensorgrad/ops';

/** Throws a ValueError naming the optimizer unless `value` is a finite number >= `min` (and < `below`). */
export function checkHyperparameter(optimizer: string, name: string, value: number, min: number, below = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value >= below) {
    const range = below === Infinity ? `>= ${min}` : `in [${min}, ${below})`;
    throw new ValueError(optimizer, `${name} must be a finite number ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** A copy of plain hyper-parameter values (a frozen betas pair becomes a plain array). */
function copyPlain(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) define(out, key, Array.isArray(value) ? [...value] : value);
  return out;
}

/** How an error names a parameter: its index in the list, its name if any, its shape. */
export function describeParameter(index: number, p: Tensor): string {
  return `parameter ${index}${p.name ? ` '${p.name}'` : ''} of shape ${formatShape(p.shape)}`;
}

/**
 * One parameter's entry in an optimizer's state dict: its step count and buffers, under PyTorch's names
 * in camelCase (`step`, `momentumBuffer`, `expAvg`, `expAvgSq`, `maxExpAvgSq`, `squareAvg`, `gradAvg`).
 */
export type ParamState = Record<string, Tensor | number>;

/** The hyper-parameters (the constructor's options) and the indices of the parameters they apply to. */
export interface ParamGroup {
  params: number[];
  [hyperparameter: string]: unknown;
}

/**
 * An optimizer's state, laid out as PyTorch's `optimizer.state_dict()`: `state` maps a parameter's index
 * in `params` (a string key, as JSON has them) to its entry, for the parameters that have taken a step;
 * `paramGroups` holds the one group of hyper-parameters. The tensors are copies.
 */
export interface OptimizerStateDict {
  state: Record<string, ParamState>;
  paramGroups: ParamGroup[];
}

/** The keys a parameter's state entry has: step counts, and buffers (each of the parameter's shape). */
export interface StateKeys {
  counts: readonly string[];
  buffers: readonly string[];
  /** Buffers an entry may lack (allocated when first needed, as RMSprop's momentum buffer). */
  optionalBuffers?: readonly string[];
}

/** A parameter's state inside an optimizer: step counts as numbers, buffers as arrays of its length. */
export type RawState = Record<string, number | Float64Array>;

/** Sets an own, enumerable property, so that a key such as `__proto__` is a key, not the prototype. */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Tensor);
}

/** A parameter that step() updates, with the values of its gradient. */
export interface Update {
  readonly param: Tensor;
  readonly grad: Float64Array;
}

/**
 * Base class of the optimizers: holds the parameter list and clears gradients. `step()` updates every
 * parameter that requires grad and has a gradient (a frozen one is skipped), in place (through `mutate`, which bumps its version counter) and under
 * noGrad, so an update never becomes part of a graph. It checks everything (hyper-parameters, every
 * gradient) before it writes anything, so a refused step leaves parameters and optimizer state as they were.
 */
export abstract class Optimizer {
  readonly params: readonly Tensor[];
  readonly #name: string;

  protected constructor(name: string, params: Iterable<Tensor>) {
    this.#name = name;
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new ValueError(name, `params must be an iterable of Tensors (e.g. model.parameters()), got ${describeValue(params)}`);
    }
    const list: Tensor[] = [];
    const seen = new Set<Tensor>();
    let index = 0;
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new ValueError(name, `parameter ${index} is not a Tensor (${describeValue(p)})`);
      const label = describeParameter(index, p);
      // A leaf that does not require grad (a frozen parameter) is accepted, as PyTorch does, so that
      // `new SGD(model.parameters())` works after freezing a layer; step() leaves it alone even if it
      // still holds a gradient from before it was frozen.
      if (!p.isLeaf) throw new ValueError(name, `${label} is not a leaf (it was computed by an op): an optimizer updates leaves only`);
      // A broadcast view repeats storage elements: an in-place update of it is refused (see mutate).
      const axis = broadcastAxis(p.shape, p.nd.stride);
      if (axis >= 0) throw new ValueError(name, `${label} is a broadcast view (stride 0 along axis ${axis}): it cannot be updated in place; pass a copy (clone())`);
      // The same tensor listed twice would be updated twice per step.
      if (!seen.has(p)) list.push(p);
      seen.add(p);
      index++;
    }
    if (list.length === 0) throw new ValueError(name, 'got an empty parameter list');
    this.params = list;
  }

  /**
   * Clears every parameter's accumulated gradient (call it before each backward): `.grad` becomes null
   * (PyTorch's default), or with `{ setToNone: false }` is filled with zeros in place, so that backward
   * adds into the same storage and a step allocates no weight-sized gradient (see nn's README, Optimizers).
   * Unlike null, a zero gradient is a gradient: step() still applies momentum and weight decay to a
   * parameter the last backward did not reach, as PyTorch does.
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    for (const p of this.params) p.zeroGrad(options);
  }

  abstract step(): void;

  /** The learning rate (every optimizer has one; a scheduler sets it). */
  abstract get lr(): number;
  abstract set lr(value: number);

  /** The optimizer's name in errors ('SGD', 'Adam', ...). */
  protected get optimizerName(): string {
    return this.#name;
  }

  /** The hyper-parameters, as the constructor's options take them. */
  protected abstract options(): Record<string, unknown>;

  /** A new optimizer of the same kind over the same parameters: checks `options` as the constructor does. */
  protected abstract withOptions(options: Record<string, unknown>): Optimizer;

  /** Assigns the hyper-parameters of `other` (one made by withOptions, so they are valid). */
  protected abstract copyOptions(other: Optimizer): void;

  /** The keys of a state entry under the hyper-parameters of `optimizer` (this one, or a withOptions probe). */
  protected abstract stateKeys(optimizer: Optimizer): StateKeys;

  /** The state of `param` (its own arrays, not copies), or null before its first step. */
  protected abstract getState(param: Tensor): RawState | null;

  /** Replaces the whole state (entries already checked, arrays the optimizer's own). */
  protected abstract setState(states: Map<Tensor, RawState>): void;

  /**
   * A snapshot of the optimizer, as PyTorch's `state_dict()`: `{ state, paramGroups }` (see
   * OptimizerStateDict). The buffers are copies, so the snapshot does not move as training goes on;
   * with the model's stateDict it is a checkpoint from which `loadStateDict` resumes bit for bit.
   */
  stateDict(): OptimizerStateDict {
    const state: Record<string, ParamState> = {};
    this.params.forEach((p, index) => {
      const raw = this.getState(p);
      if (raw === null) return;
      const entry: ParamState = {};
      for (const [key, value] of Object.entries(raw)) {
        define(entry, key, typeof value === 'number' ? value : fromData(value.slice(0, p.size), p.shape));
      }
      define(state, String(index), entry);
    });
    const group: ParamGroup = { ...copyPlain(this.options()), params: this.params.map((_, i) => i) };
    return { state, paramGroups: [group] };
  }

  /**
   * Loads a state dict made by `stateDict()` of an optimizer of the same kind over parameters of the
   * same shapes: the hyper-parameters, every step count and buffer. Everything is checked before
   * anything is written (the parameter count, every hyper-parameter as the constructor checks it, every
   * entry's keys, counts and buffer shapes), so a refused load leaves the optimizer as it was. The
   * buffers are copied: the state dict can be loaded again.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const op = 'loadStateDict';
    const name = this.#name;
    if (!isPlainObject(stateDict)) throw new ValueError(op, `${name} expects an object { state, paramGroups }, got ${describeValue(stateDict)}`);
    const keys = Object.keys(stateDict);
    const extra = keys.filter((k) => k !== 'state' && k !== 'paramGroups');
    if (extra.length > 0 || !keys.includes('state') || !keys.includes('paramGroups')) {
      throw new ValueError(op, `${name} expects an object with exactly the keys 'state' and 'paramGroups', got ${keys.length === 0 ? 'no keys' : keys.map((k) => `'${k}'`).join(', ')}`);
    }
    const { state, paramGroups } = stateDict as { state: unknown; paramGroups: unknown };
    if (!Array.isArray(paramGroups) || paramGroups.length !== 1) {
      throw new ValueError(op, `${name} has one parameter group, so paramGroups must be an array of one group, got ${Array.isArray(paramGroups) ? `${paramGroups.length} groups` : describeValue(paramGroups)}`);
    }
    const group: unknown = paramGroups[0];
    if (!isPlainObject(group)) throw new ValueError(op, `paramGroups[0] must be an object, got ${describeValue(group)}`);
    const indices = group.params;
    const n = this.params.length;
    if (!Array.isArray(indices)) throw new ValueError(op, `paramGroups[0].params must be an array of parameter indices, got ${describeValue(indices)}`);
    if (indices.length !== n) throw new ValueError(op, `the state dict holds ${indices.length} parameter${indices.length === 1 ? '' : 's'}, but this ${name} has ${n}`);
    indices.forEach((v, i) => {
      if (v !== i) throw new ValueError(op, `paramGroups[0].params must be [0, 1, ..., ${n - 1}], got ${describeValue(v)} at position ${i}`);
    });
    // The hyper-parameters: exactly the constructor's options, each checked by constructing a probe.
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(group)) if (key !== 'params') define(options, key, value);
    const expected = Object.keys(this.options());
    const missing = expected.filter((k) => !Object.prototype.hasOwnProperty.call(options, k));
    if (missing.length > 0) throw new ValueError(op, `paramGroups[0] lacks the hyper-parameter${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')} of ${name}`);
    let probe: Optimizer;
    try {
      probe = this.withOptions(options);
    } catch (error) {
      if (error instanceof TensorgradError) throw new ValueError(op, `paramGroups[0]: ${error.message}`);
      throw error;
    }
    // Every entry: an index, the keys its hyper-parameters call for, counts and buffers checked and copied.
    if (!isPlainObject(state)) throw new ValueError(op, `state must be an object of parameter index -> entry, got ${describeValue(state)}`);
    const { counts, buffers, optionalBuffers = [] } = this.stateKeys(probe);
    const states = new Map<Tensor, RawState>();
    for (const key of Object.keys(state)) {
      const index = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : NaN;
      if (!(index < n)) throw new ValueError(op, `state has an entry '${key}', which is not the index of one of ${name}'s ${n} parameters`);
      const p = this.params[index]!;
      const label = `state['${key}'] (${describeParameter(index, p)})`;
      const entry: unknown = state[key];
      if (!isPlainObject(entry)) throw new ValueError(op, `${label} must be an object, got ${describeValue(entry)}`);
      const allowed = [...counts, ...buffers, ...optionalBuffers];
      const unexpected = Object.keys(entry).filter((k) => !allowed.includes(k));
      const lacking = [...counts, ...buffers].filter((k) => !Object.prototype.hasOwnProperty.call(entry, k));
      if (unexpected.length > 0 || lacking.length > 0) {
        const parts: string[] = [];
        if (lacking.length > 0) parts.push(`lacks ${lacking.map((k) => `'${k}'`).join(', ')}`);
        if (unexpected.length > 0) parts.push(`has unexpected ${unexpected.map((k) => `'${k}'`).join(', ')}`);
        throw new ValueError(op, `${label} ${parts.join(' and ')} (${name} with these hyper-parameters keeps ${allowed.map((k) => `'${k}'`).join(', ')})`);
      }
      const raw: RawState = {};
      for (const k of counts) {
        const v = entry[k];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ValueError(op, `${label}.${k} must be an integer >= 0, got ${describeValue(v)}`);
        raw[k] = v;
      }
      for (const k of [...buffers, ...optionalBuffers]) {
        if (!Object.prototype.hasOwnProperty.call(entry, k)) continue;
        const v = entry[k];
        if (!(v instanceof Tensor)) throw new ValueError(op, `${label}.${k} must be a Tensor, got ${describeValue(v)}`);
        if (!shapesEqual(v.shape, p.shape)) throw new ShapeError(op, `${label}.${k} has shape ${formatShape(v.shape)}, but the parameter has shape ${formatShape(p.shape)}`);
        // Beside a weight in the kernel's memory, as the optimizer's own buffers are.
        const copy = storageLike(p.nd.data, p.size);
        copy.set(v.data);
        raw[k] = copy;
      }
      states.set(p, raw);
    }
    this.copyOptions(probe);
    this.setState(states);
  }

  /**
   * The parameters this step updates (requiring grad, with a gradient), each gradient checked against its
   * parameter's shape: a ShapeError naming the optimizer and the parameter otherwise. Writes nothing.
   */
  protected updates(): Update[] {
    const out: Update[] = [];
    this.params.forEach((p, index) => {
      // Frozen (requiresGrad false, maybe since its last backward) or not reached by backward: no update.
      // _peekGrad: reading .grad would hand the gradient out (see Tensor.grad).
      const grad = p._peekGrad();
      if (grad === null || !p.requiresGrad) return;
      if (!(grad instanceof Tensor)) {
        throw new ValueError(this.#name, `${describeParameter(index, p)} has a gradient that is not a Tensor (${describeValue(grad)}); step() updated nothing`);
      }
      if (!shapesEqual(grad.shape, p.shape)) {
        throw new ShapeError(this.#name, `${describeParameter(index, p)} has a gradient of shape ${formatShape(grad.shape)}; step() updated nothing (a gradient has its parameter's shape)`);
      }
      out.push({ param: p, grad: grad.data });
    });
    return out;
  }
}

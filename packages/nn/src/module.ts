import { ShapeError, Tensor, ValueError, checkOptions, describeValue, formatShape, fromData, noGrad, shapesEqual, withScope, type ZeroGradOptions } from '@tensorgrad/core';

/** A state dict: parameter name (dotted path, e.g. `0.weight`) -> values. */
export type StateDict = Record<string, Tensor>;

/** What a module holds directly: its tensors and its submodules, each with its dotted name. */
interface Members {
  tensors: [string, Tensor][];
  children: [string, Module][];
}

/** A container walked for tensors and modules: an array, a plain object, or a Map. */
function entriesOf(value: unknown, name: string): [string, unknown][] | null {
  // Only entries holding objects can hold tensors or modules: numbers, strings (a loss history, a config
  // { 'lr.decay': 0.1 }) are passed over without a name or an allocation each.
  const holds = (v: unknown): boolean => v !== null && typeof v === 'object';
  if (Array.isArray(value)) {
    const out: [string, unknown][] = [];
    for (let i = 0; i < value.length; i++) if (holds(value[i])) out.push([String(i), value[i]]);
    return out;
  }
  if (value instanceof Map) return [...value.entries()].filter(([, v]) => holds(v)).map(([k, v]) => [keyName(k, name), v]);
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    // Only plain objects ({ a: new Linear(2, 2) }): a class instance (a DataLoader, a Random) is not a container.
    if (proto === Object.prototype || proto === null) return Object.entries(value).filter(([, v]) => holds(v)).map(([k, v]) => [keyName(k, name), v]);
  }
  return null;
}

/**
 * A container key as a part of a dotted name. Refused (as PyTorch refuses '.' in a parameter name) when
 * it would make two entries share a name: a key with a dot ('a.b' next to { a: { b } }), or a Map key
 * that is not a string or a number (every object would be '[object Object]').
 */
function keyName(key: unknown, container: string): string {
  if ((typeof key !== 'string' && typeof key !== 'number') || String(key).includes('.')) {
    throw new ValueError('Module', `the key ${typeof key === 'string' ? `'${key}'` : describeKey(key)} in '${container}' cannot be part of a dotted parameter name: use string keys without '.'`);
  }
  return String(key);
}

function describeKey(key: unknown): string {
  return typeof key === 'number' ? String(key) : `of type ${key === null ? 'null' : typeof key}`;
}

/**
 * The tensors and submodules of `module`'s own properties, walking into arrays, plain objects and Maps
 * (`blocks = { a: new Linear(2, 2) }` holds `blocks.a`), in declaration order. Iterative, and each
 * container is entered once, so a container that holds itself is no problem. A Module found is a child:
 * its own members are its business.
 */
function membersOf(module: Module): Members {
  const tensors: [string, Tensor][] = [];
  const children: [string, Module][] = [];
  const entered = new Set<object>();
  const stack: [string, unknown][] = Object.entries(module)
    .filter(([key]) => !key.startsWith('_'))
    .reverse();
  while (stack.length > 0) {
    const [name, value] = stack.pop()!;
    if (value instanceof Tensor) tensors.push([name, value]);
    else if (value instanceof Module) {
      if (value !== module) children.push([name, value]);
    } else {
      const entries = entriesOf(value, name);
      if (entries === null || entered.has(value as object)) continue;
      entered.add(value as object);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([`${name}.${entries[i]![0]}`, entries[i]![1]]);
    }
  }
  return { tensors, children };
}

/**
 * Base class of every layer and model, after PyTorch's nn.Module.
 *
 * Parameters, buffers and submodules are found by walking the module's own properties, so a subclass
 * only assigns them: a Tensor-valued property is a parameter if it requires grad and a buffer if it does
 * not (a frozen parameter, a running statistic); a Module-valued property is a submodule. Arrays, plain
 * objects and Maps are walked into (`layers.0.bias`, `blocks.a.weight`). Properties whose name starts
 * with `_` are skipped (keep caches and scratch tensors there). Names are dotted paths in declaration
 * order (`fc1.weight`, `layers.0.bias`), as in PyTorch.
 *
 * Call a module with `module.forward(x)` or its alias `module.call(x)`.
 */
export abstract class Module {
  /** Training mode (true) or evaluation mode (false); layers such as dropout read it. */
  training = true;

  constructor() {
    // Each forward runs in this module's scope, so the ops it records remember the module (savedMemory's
    // per-module totals), as PyTorch's module hooks see each call. Not enumerable: not a member.
    const forward = this.forward;
    Object.defineProperty(this, 'forward', {
      value: (...inputs: Tensor[]): Tensor => withScope(this, () => forward.apply(this, inputs)),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  abstract forward(...inputs: Tensor[]): Tensor;

  /** The same as `forward`: reads like calling a PyTorch module. */
  call(...inputs: Tensor[]): Tensor {
    return this.forward(...inputs);
  }

  /** Direct submodules with their names, in declaration order. */
  namedChildren(): [string, Module][] {
    return membersOf(this).children;
  }

  /** Tensors held directly by this module (not by submodules): its parameters and buffers. */
  protected ownTensors(): [string, Tensor][] {
    return membersOf(this).tensors;
  }

  /**
   * Every tensor of this module and its submodules with its dotted name, parameters and buffers alike; a
   * tensor shared by two submodules is listed once, under its first name.
   */
  namedTensors(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const named = new Map<string, Tensor>();
    // Iterative walk (own tensors first, then children in order), so the order matches PyTorch.
    const stack: [string, Module][] = [['', this]];
    const visitedModules = new Set<Module>();
    while (stack.length > 0) {
      const [prefix, module] = stack.pop()!;
      if (visitedModules.has(module)) continue;
      visitedModules.add(module);
      for (const [name, p] of module.ownTensors()) {
        if (seen.has(p)) continue;
        seen.add(p);
        const full = prefix + name;
        // Two tensors under one name would make the state dict save one and load it into both.
        const other = named.get(full);
        if (other !== undefined) throw new ValueError('Module', `two different tensors are both named '${full}' (a Map with keys 1 and '1'?): the state dict could not tell them apart`);
        named.set(full, p);
        out.push([full, p]);
      }
      const children = module.namedChildren();
      for (let i = children.length - 1; i >= 0; i--) stack.push([`${prefix}${children[i]![0]}.`, children[i]![1]]);
    }
    return out;
  }

  /** The tensors that require grad, with their dotted names: what an optimizer trains. */
  namedParameters(): [string, Tensor][] {
    return this.namedTensors().filter(([, t]) => t.requiresGrad);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * The tensors that do not require grad (PyTorch's buffers; here also a parameter frozen with
   * `requiresGrad = false`): saved and loaded by the state dict, never trained.
   */
  namedBuffers(): [string, Tensor][] {
    return this.namedTensors().filter(([, t]) => !t.requiresGrad);
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** This module and every submodule, depth first. */
  modules(): Module[] {
    const out: Module[] = [];
    const stack: Module[] = [this];
    while (stack.length > 0) {
      const m = stack.pop()!;
      if (out.includes(m)) continue;
      out.push(m);
      const children = m.namedChildren();
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]![1]);
    }
    return out;
  }

  /**
   * Clears every tensor's accumulated gradient (a parameter frozen since its last backward included):
   * `.grad` becomes null, or with `{ setToNone: false }` is filled with zeros in place (see
   * Tensor.zeroGrad: the next backward then adds into the same storage).
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    // Checked here too: a module without tensors would otherwise accept any options.
    const checked = checkOptions('zeroGrad', options, { setToNone: 'boolean' }, '{ setToNone: false }');
    for (const [, t] of this.namedTensors()) t.zeroGrad(checked);
  }

  /** Sets training mode on this module and every submodule; returns this. */
  train(mode = true): this {
    // train('eval') or train(0) would set a truthy/falsy non-boolean flag that Dropout reads as a mode.
    if (typeof mode !== 'boolean') throw new ValueError('train', `mode must be true or false, got ${typeof mode === 'string' ? JSON.stringify(mode) : String(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`); returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * A snapshot of every parameter and buffer: name -> a detached copy. Unlike PyTorch (which shares storage), the
   * copies do not change when training goes on, so a state dict can be kept as a checkpoint.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    // defineProperty, not assignment: a tensor named '__proto__' is a key like any other.
    for (const [name, p] of this.namedTensors()) {
      Object.defineProperty(out, name, { value: fromData(p.data.slice(), p.shape), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /**
   * Copies values into the parameters and buffers, in place (their version counters are bumped). Every key is
   * checked first: a missing key, an unexpected key or a wrong shape throws an error naming the key,
   * and then nothing has been written. Every value is read before any parameter is written, so
   * `loadStateDict({ a: m.b, b: m.a })` swaps the two (a value that is one of the module's own tensors is
   * copied first).
   */
  loadStateDict(state: StateDict): void {
    const op = 'loadStateDict';
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new ValueError(op, `expected an object of name -> Tensor, got ${describeValue(state)}`);
    }
    const params = this.namedTensors();
    const expected = new Set(params.map(([name]) => name));
    // Own keys only (Object.keys and hasOwnProperty): '__proto__', 'constructor' are keys like any other,
    // and nothing is read from the prototype.
    const keys = Object.keys(state);
    const missing = params.map(([name]) => name).filter((name) => !Object.prototype.hasOwnProperty.call(state, name));
    const unexpected = keys.filter((name) => !expected.has(name));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts: string[] = [];
      if (missing.length > 0) parts.push(`missing key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected key${unexpected.length > 1 ? 's' : ''} ${unexpected.map((k) => `'${k}'`).join(', ')}`);
      throw new ValueError(op, `${parts.join('; ')} (the module expects ${[...expected].map((k) => `'${k}'`).join(', ')})`);
    }
    // Each value read once (a getter cannot hand the check one tensor and the copy another).
    const values = params.map(([name]) => (state as Record<string, unknown>)[name]);
    params.forEach(([name, p], i) => {
      const value = values[i];
      if (!(value instanceof Tensor)) throw new ValueError(op, `key '${name}' holds ${describeValue(value)}, not a Tensor`);
      if (!shapesEqual(value.shape, p.shape)) {
        throw new ShapeError(op, `key '${name}' has shape ${formatShape(value.shape)}, but the parameter has shape ${formatShape(p.shape)}`);
      }
    });
    // The sources, all read before anything is written: a value sharing storage with a parameter
    // (m.b loaded into m.a while m.a goes into m.b) is copied, others are read as they are.
    // Storage is compared by memory range, not by array object: weights in the kernel's memory are
    // different Float64Arrays over one buffer.
    const ranges = new Map<ArrayBufferLike, [number, number][]>();
    for (const [, p] of params) {
      const d = p.nd.data;
      const list = ranges.get(d.buffer) ?? [];
      list.push([d.byteOffset, d.byteOffset + d.byteLength]);
      ranges.set(d.buffer, list);
    }
    const overlapsTarget = (d: Float64Array): boolean =>
      (ranges.get(d.buffer) ?? []).some(([start, end]) => d.byteOffset < end && start < d.byteOffset + d.byteLength);
    const sources = (values as Tensor[]).map((value) => (overlapsTarget(value.nd.data) ? value.data.slice() : value.data));
    noGrad(() => {
      params.forEach(([, p], i) => p.mutate((data) => data.set(sources[i]!)));
    });
  }

  /** One line describing this module alone (PyTorch's extra_repr), e.g. `in=2, out=100, bias=true`. */
  protected describe(): string {
    return '';
  }

  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.describe()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}

/** Applies its layers in order: `new Sequential(new Linear(2, 100), new ReLU(), new Linear(100, 3))`. */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) throw new ValueError('Sequential', `layer ${i} is not a Module (got ${describeValue(layer)})`);
    });
    this.layers = layers;
  }

  /** Children are named by position, as in PyTorch: `0.weight`, `2.bias`. */
  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  get length(): number {
    return this.layers.length;
  }

  at(index: number): Module | undefined {
    return this.layers.at(index);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }
}

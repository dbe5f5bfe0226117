import { AnomalyError, GraphError, InPlaceError, ShapeError, ValueError, checkFunction, describeValue } from './errors.js';
import { formatShape, shapesEqual, sizeOf } from './shape.js';
import { Tensor, describeTensor, fromData, isContiguousView, ownsStorage } from './tensor.js';
import { checkOptions, type OptionSpec } from './options.js';

/**
 * A backward rule: a vector-Jacobian product. Given the gradient of the output (shaped like the output),
 * it returns one gradient per input, shaped like that input, or null where an input needs none.
 * It never builds a Jacobian.
 */
export type BackwardFn = (dy: Tensor) => readonly (Tensor | PendingGradient | null)[];

/**
 * A gradient a rule knows how to write but has not written anywhere yet. A rule returns one instead of a
 * Tensor where the gradient is large and usually ends in a leaf's existing `.grad` (linear's dW, the
 * size of the weight): once the whole walk has succeeded, `backward` has it add itself into that
 * `.grad` in place, so a training step that keeps its gradients (`zeroGrad({ setToNone: false })`)
 * allocates no weight-sized array. Wherever a tensor is needed (another op's input, `onStep`, a leaf
 * with no `.grad` yet, `gradients`) the engine calls `toTensor()`.
 */
export class PendingGradient {
  /**
   * `write(out, offset, accumulate)` puts the gradient, row-major, into `out` from `offset`, adding it
   * to what is there when `accumulate`. It must read only what the rule could read (its saved tensors
   * and the upstream gradient), which stay unchanged until the engine calls it.
   */
  constructor(
    readonly shape: readonly number[],
    readonly write: (out: Float64Array, offset: number, accumulate: boolean) => void,
    /**
     * The storage `write` reads (the upstream gradient's, the saved inputs'): the engine never has it
     * write into a `.grad` that is one of them, or that another gradient being handed out uses.
     */
    readonly reads: readonly Float64Array[] = [],
    /** Makes the zero-filled storage `toTensor` writes into (a kernel's own memory, say); default `new Float64Array`. */
    readonly allocate: (length: number) => Float64Array = (length) => new Float64Array(length),
  ) {}

  toTensor(): Tensor {
    const out = this.allocate(sizeOf(this.shape));
    this.write(out, 0, false);
    return fromData(out, this.shape);
  }
}

/** What a recorded op leaves on its output for the backward pass. */
export interface GraphNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Null once the graph has been released by a backward pass. */
  backward: BackwardFn | null;
  /** Tensors the rule reads, with their version at forward time. */
  saved: readonly { tensor: Tensor; version: number }[];
}

/** One step of a backward pass, as reported to `onStep`. */
export interface BackwardStep {
  readonly op: string;
  readonly output: Tensor;
  readonly inputs: readonly Tensor[];
  /** The gradient arriving at the op's output (the sum over its consumers). */
  readonly upstream: Tensor;
  /** The gradient each input receives from this op (before summing over branches). */
  readonly downstream: readonly (Tensor | null)[];
}

export interface BackwardOptions {
  /** Keep the graph (and what ops saved) so that backward can run through it again. */
  retainGraph?: boolean;
  /** Called once per op in the order the engine runs them; for transcripts and diagrams. */
  onStep?: (step: BackwardStep) => void;
}

/** The two modes: grad recording (on by default) and anomaly detection (off by default). */
const modes = { 'grad mode': true, 'anomaly mode': false };
type Mode = keyof typeof modes;

export function isGradEnabled(): boolean {
  return modes['grad mode'];
}

/**
 * Runs `fn` with `mode` set to `value`, restoring it afterwards (also when `fn` throws).
 *
 * A callback that returned a promise (an async function) cannot be covered by a mode: the mode is
 * restored when the callback returns, so whatever runs after its first `await` runs in the outer mode
 * (`noGrad(async () => { await x; return p.mul(2) })` would record a graph). It is refused loudly
 * rather than let the mode silently not apply (the mode is already restored by then).
 */
function withMode<T>(op: string, mode: Mode, value: boolean, fn: () => T): T {
  checkFunction(fn, op, 'to run');
  const previous = modes[mode];
  modes[mode] = value;
  let result: T;
  try {
    result = fn();
  } finally {
    modes[mode] = previous;
  }
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    const then = (result as { then?: unknown }).then;
    if (typeof then === 'function') {
      // The promise keeps running; swallow its eventual rejection so it does not also surface as an
      // unhandled rejection on top of this error.
      then.call(result, undefined, () => {});
      throw new GraphError(
        op,
        `the callback returned a Promise; ${mode} cannot follow an await — call ${op} inside the async function around the synchronous part`,
      );
    }
  }
  return result;
}

/**
 * Runs `fn` without recording a graph: results do not require grad (parameter updates, evaluation).
 * `fn` must be synchronous: a callback returning a promise is refused with a GraphError, since the mode
 * could not follow its awaits.
 */
export function noGrad<T>(fn: () => T): T {
  return withMode('noGrad', 'grad mode', false, fn);
}

/** Runs `fn` with grad recording on, even inside noGrad. `fn` must be synchronous, as for noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withMode('enableGrad', 'grad mode', true, fn);
}

/**
 * Runs `fn` in anomaly mode: the first op whose output holds a NaN or an Infinity throws an AnomalyError
 * naming the op, its input shapes, and which input already held a non-finite value. `fn` must be
 * synchronous, as for noGrad.
 */
export function detectAnomaly<T>(fn: () => T): T {
  return withMode('detectAnomaly', 'anomaly mode', true, fn);
}

export function isAnomalyEnabled(): boolean {
  return modes['anomaly mode'];
}

function firstNonFinite(t: Tensor): number {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

/** An op's input in an error message: `input 1 'bias' of shape [2]`. */
function describe(t: Tensor, index: number): string {
  return describeTensor(t, `input ${index}`);
}

const registry = new Set<string>();

/**
 * Registers an op under a name and returns it unchanged. Defining an op is registering it: tests ask
 * `registeredOps()` which ops exist, so no hand-kept list can drift.
 */
export function defineOp<F extends (...args: any[]) => Tensor>(name: string, fn: F): F {
  if (registry.has(name)) throw new ValueError('defineOp', `an op named '${name}' is already defined`);
  registry.add(name);
  return fn;
}

/** Names of every op defined so far. */
export function registeredOps(): string[] {
  return [...registry].sort();
}

/**
 * Records `out` as the result of `op` applied to `inputs`: when grad is enabled and some input requires
 * grad, `out` requires grad and remembers the backward rule. `saved` lists the tensors the rule reads,
 * so that an in-place write to one of them between forward and backward is caught.
 */
export function record(op: string, inputs: readonly Tensor[], out: Tensor, backward: BackwardFn, saved: readonly Tensor[] = []): Tensor {
  if (modes['anomaly mode']) checkFinite(op, 'output', out, null, inputs, 'every input was finite, so this op produced it');
  if (!modes['grad mode'] || !inputs.some((t) => t.requiresGrad)) return out;
  if (out._node !== null || inputs.includes(out)) {
    // Recording onto an input (or onto another op's result) would overwrite its graph or make a cycle.
    throw new GraphError(op, 'an op must return a new tensor (a view is fine), not one of its inputs or another recorded result');
  }
  out.requiresGrad = true;
  out._node = { op, inputs, backward, saved: saved.map((tensor) => ({ tensor, version: tensor.version })) };
  return out;
}

/**
 * Anomaly mode: throws naming the op, the shapes it was given (the upstream gradient's first, when
 * checking a backward rule), and which of them already held a non-finite value — or that all were
 * finite, so this op made it.
 */
function checkFinite(op: string, what: string, result: Tensor, upstream: Tensor | null, inputs: readonly Tensor[], produced: string): void {
  const bad = firstNonFinite(result);
  if (bad < 0) return;
  const sources = inputs.map((tensor, i) => ({ label: describe(tensor, i), tensor }));
  const shapes = inputs.map((t) => formatShape(t.shape));
  if (upstream !== null) {
    sources.unshift({ label: 'the upstream gradient', tensor: upstream });
    shapes.unshift(`upstream gradient ${formatShape(upstream.shape)}`);
  }
  const culprit = sources.find((s) => firstNonFinite(s.tensor) >= 0);
  const cause = culprit ? `${culprit.label} already held ${culprit.tensor.data[firstNonFinite(culprit.tensor)]}` : produced;
  throw new AnomalyError(op, `${what} holds ${result.data[bad]} at flat index ${bad} (inputs ${shapes.join(', ')}); ${cause}`);
}

/**
 * The tensors behind `root` that require grad, `root` first and every tensor before the tensors it was
 * computed from (a reversed depth-first post-order). Iterative: a 100,000-op chain must not overflow the stack.
 */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: { tensor: Tensor; next: number }[] = [{ tensor: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top.tensor._node?.inputs;
    if (inputs !== undefined && top.next < inputs.length) {
      const input = inputs[top.next++]!;
      if (input.requiresGrad && !visited.has(input)) {
        visited.add(input);
        stack.push({ tensor: input, next: 0 });
      }
    } else {
      stack.pop();
      order.push(top.tensor);
    }
  }
  return order.reverse();
}

/**
 * The tensors among `candidates` that `root` was computed from (or `root` itself), following recorded
 * ops; for the function transforms, which must know whether a result depends on an enclosing
 * transform's inputs.
 */
export function dependencies(root: Tensor, candidates: ReadonlySet<Tensor>): Tensor[] {
  if (!root.requiresGrad) return [];
  return topologicalOrder(root).filter((t) => candidates.has(t));
}

/** A seed for backward: a tensor of the output's shape, a number for a one-element output, or flat values. */
export type Seed = Tensor | number | ArrayLike<number>;

/**
 * The seed of a backward pass as a tensor of the output's shape: 1 for a one-element output when none
 * is given; a Tensor must have the output's shape; a number or flat values are read in row-major order.
 * `op` and `noun` word the errors for the caller ('backward' and 'seed gradient'; the transforms say
 * 'vjp' and 'cotangent').
 */
export function toSeed(op: string, root: Tensor, seed: Seed | undefined | null, noun = 'seed gradient'): Tensor {
  if (seed === undefined || seed === null) {
    if (root.size !== 1) {
      throw new GraphError(
        op,
        `the output has shape ${formatShape(root.shape)}, not a scalar: pass a ${noun} of that shape, or reduce it first (e.g. y.sum().backward())`,
      );
    }
    return fromData(new Float64Array([1]), root.shape);
  }
  if (seed instanceof Tensor) {
    if (!shapesEqual(seed.shape, root.shape)) {
      throw new ShapeError(op, `a ${noun} of shape ${formatShape(seed.shape)} does not match the output's shape ${formatShape(root.shape)}`);
    }
    return seed;
  }
  if (typeof seed !== 'number' && (typeof seed !== 'object' || typeof (seed as ArrayLike<number>).length !== 'number')) {
    throw new ValueError(op, `a ${noun} is a Tensor, a number or an array of numbers, got ${typeof seed}`);
  }
  const values = typeof seed === 'number' ? [seed] : Array.from(seed);
  if (values.length !== root.size) {
    throw new ShapeError(op, `a ${noun} of ${values.length} value${values.length === 1 ? '' : 's'} does not fit the output's shape ${formatShape(root.shape)} (${root.size} element${root.size === 1 ? '' : 's'})`);
  }
  if (values.some((v) => typeof v !== 'number')) throw new ValueError(op, `the ${noun} holds a non-numeric value`);
  return fromData(Float64Array.from(values), root.shape);
}

function addInto(a: Tensor, b: Tensor): Tensor {
  const x = a.data;
  const y = b.data;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + y[i]!;
  return fromData(out, a.shape);
}

function releasedError(op: string, behind: string): GraphError {
  return new GraphError(
    op,
    `the graph behind '${behind}' was already released by a backward pass; pass { retainGraph: true } to the first backward to run it twice`,
  );
}

/** What a walk from the output leaves behind: the tensors it visited and the gradients it collected. */
interface Walk {
  seed: Tensor;
  /** The tensors walked, output first. */
  order: Tensor[];
  /** Those of them whose rule ran (with targets, a target's own rule runs only if another lies behind it). */
  ran: Tensor[];
  /** The gradient arriving at each collected tensor (the sum over its consumers). */
  collected: Map<Tensor, Tensor>;
  /** Leaves whose only gradient is a PendingGradient, still to be added into their `.grad` in place. */
  pending: Map<Tensor, PendingGradient>;
}

/**
 * The tensors of `order` (output first, each before its inputs) that lie on a path from the output to
 * one of `targets`: walking it backwards, a tensor is on a path if it is a target or one of its inputs is.
 */
function pathsTo(order: readonly Tensor[], targets: ReadonlySet<Tensor>): Tensor[] {
  const on = new Set<Tensor>();
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    if (targets.has(t) || (t._node !== null && t._node.inputs.some((input) => on.has(input)))) on.add(t);
  }
  return order.filter((t) => on.has(t));
}

/**
 * The walk shared by `backward` and `gradients`. Checks the whole walk first (released nodes, in-place
 * writes), then runs the rules from the output towards the inputs, summing gradients at branches, and
 * collects the gradient of each tensor `collect` selects. Changes nothing outside the returned maps, so
 * a failure leaves no half-updated `.grad` and no half-released graph. With `targets`, only the ops on a
 * path from the output to a target run (PyTorch's `torch.autograd.grad(outputs, inputs)`).
 */
function walk(op: string, root: Tensor, seedValue: Seed | undefined | null, onStep: BackwardOptions['onStep'], targets: ReadonlySet<Tensor> | null): Walk {
  if (!root.requiresGrad) {
    throw new GraphError(op, `the tensor${root.name ? ` '${root.name}'` : ''} of shape ${formatShape(root.shape)} does not require grad: no graph leads to it`);
  }
  const all = topologicalOrder(root);
  const order = targets === null ? all : pathsTo(all, targets);
  // Without targets the walk is every tensor behind the output that requires grad.
  const path = targets === null ? null : new Set(order);
  const onPath = path === null ? (t: Tensor): boolean => t.requiresGrad : (t: Tensor): boolean => path.has(t);
  // A node runs when one of its inputs is on the walk.
  const runs = (t: Tensor): boolean => t._node !== null && t._node.inputs.some(onPath);
  for (const t of order) {
    if (!runs(t)) continue;
    const node = t._node!;
    if (node.backward === null) throw releasedError(op, node.op);
    for (const { tensor, version } of node.saved) {
      if (tensor.version !== version) {
        throw new InPlaceError(
          node.op,
          `${describeTensor(tensor)} saved for backward was modified in place (version ${version} at forward, ${tensor.version} now)`,
        );
      }
    }
  }
  const seed = toSeed(op, root, seedValue);
  const collect = targets === null ? (t: Tensor) => t._node === null || t._retainGrad : (t: Tensor) => targets.has(t);

  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const collected = new Map<Tensor, Tensor>();
  const pending = new Map<Tensor, PendingGradient>();
  // A rule's PendingGradient for a leaf whose `.grad` can take it in place waits for the end of a
  // `backward` (not `gradients`, which writes no `.grad`); onStep and anomaly mode look at every
  // gradient as a tensor. Only a leaf's sole gradient waits: with two or more, they are summed as
  // tensors in the order they arrive, so the result rounds exactly as without pending gradients.
  const defers = targets === null && onStep === undefined && !modes['anomaly mode'];
  // Rules run without recording (see the ARCHITECTURE: higher-order gradients are not supported).
  const previous = modes['grad mode'];
  modes['grad mode'] = false;
  try {
    for (const t of order) {
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (collect(t)) collected.set(t, g);
      if (!runs(t)) continue;
      const node = t._node!;
      const returned = node.backward!(g);
      if (returned.length !== node.inputs.length) {
        throw new GraphError(node.op, `backward rule returned ${returned.length} gradients for ${node.inputs.length} inputs`);
      }
      // What onStep reports: the rule's gradients, as tensors.
      const downstream: (Tensor | null)[] = [];
      for (let i = 0; i < node.inputs.length; i++) {
        const input = node.inputs[i]!;
        let gi = returned[i];
        downstream.push(gi instanceof PendingGradient ? null : (gi ?? null));
        if (gi === null || gi === undefined) continue;
        if (!onPath(input)) {
          if (gi instanceof PendingGradient && onStep !== undefined) downstream[i] = gi.toTensor();
          continue;
        }
        if (!(gi instanceof Tensor || gi instanceof PendingGradient) || !shapesEqual(gi.shape, input.shape)) {
          const got = gi instanceof Tensor || gi instanceof PendingGradient ? `a gradient of shape ${formatShape(gi.shape)}` : `${typeof gi} instead of a tensor`;
          throw new ShapeError(node.op, `backward returned ${got} for ${describe(input, i)}`);
        }
        if (gi instanceof PendingGradient) {
          if (defers && input._node === null && !grads.has(input) && !pending.has(input) && (input._peekGrad() === null || takesInPlace(input))) {
            pending.set(input, gi);
            continue;
          }
          gi = gi.toTensor();
        }
        const waiting = pending.get(input);
        if (waiting !== undefined) {
          // A second gradient for a leaf that had a pending one: that one comes first, as a tensor.
          pending.delete(input);
          grads.set(input, waiting.toTensor());
        }
        downstream[i] = gi;
        if (modes['anomaly mode']) {
          checkFinite(node.op, `backward's gradient for ${describe(input, i)}`, gi, g, node.inputs, "the upstream gradient and the op's inputs were finite, so this op's backward produced it");
        }
        const existing = grads.get(input);
        // Gradients add at branches: a tensor used by several ops receives the sum of their gradients.
        grads.set(input, existing === undefined ? gi : addInto(existing, gi));
      }
      onStep?.({ op: node.op, output: t, inputs: node.inputs, upstream: g, downstream });
    }
  } finally {
    modes['grad mode'] = previous;
  }
  return { seed, order, ran: targets === null ? order : order.filter(runs), collected, pending };
}

/**
 * Whether `t.grad` can have a gradient added into it in place: a dense (row-major) tensor of `t`'s
 * shape that records no graph of its own. Otherwise the sum goes into a new tensor.
 */
function takesInPlace(t: Tensor): boolean {
  const g = t._peekGrad();
  return g instanceof Tensor && !g.requiresGrad && shapesEqual(g.shape, t.shape) && isContiguousView(g.nd);
}

/** Adds `grad` into `t.grad` (which takesInPlace) and bumps its version, as an in-place write does. */
function addInPlace(t: Tensor, grad: Tensor): void {
  const dst = t._peekGrad()!;
  const out = dst.nd.data;
  const o = dst.nd.offset;
  const src = grad.data;
  for (let i = 0; i < src.length; i++) out[o + i] += src[i]!;
  dst._version.value++;
}

/**
 * A gradient may share its storage with the seed, another returned gradient or a forward tensor (rules
 * return views such as a reshape of dy): `own` hands it out only if it is dense and its storage was not
 * handed out already, and a fresh copy otherwise.
 */
function handOut(seed: Tensor): (grad: Tensor) => Tensor {
  const handedOut = new Set<Float64Array>([seed.nd.data]);
  return (grad) => {
    const own = ownsStorage(grad.nd) && !handedOut.has(grad.nd.data) && !grad.requiresGrad ? grad : fromData(grad.data.slice(), grad.shape);
    handedOut.add(own.nd.data);
    return own;
  };
}

/**
 * `gradient` written into storage that becomes `leaf`'s `.grad`: the leaf's spare storage (a dropped
 * private gradient, which a training loop's default zeroGrad() leaves every step) when there is one,
 * so that a step with PyTorch's default zeroGrad() allocates no weight-sized gradient either.
 */
function gradientStorage(leaf: Tensor, gradient: PendingGradient): Float64Array {
  const length = sizeOf(leaf.shape);
  const spare = leaf._spareGrad;
  leaf._spareGrad = null;
  const storage = spare !== null && spare.length === length ? spare : gradient.allocate(length);
  gradient.write(storage, 0, false);
  return storage;
}

/** Drops the rules and saved tensors of the walked nodes (op names and inputs stay, for diagrams). */
function release(order: readonly Tensor[]): void {
  for (const t of order) {
    if (t._node === null) continue;
    t._node.backward = null;
    t._node.saved = [];
  }
}

/**
 * The engine behind `Tensor.backward`: walks the whole graph behind `root`, then (only once the walk
 * succeeded) adds the gradients into the `.grad` of leaves and `retainGrad()` tensors and, unless
 * `retainGraph`, releases the graph.
 */
export function runBackward(root: Tensor, seedValue: Seed | undefined, options: BackwardOptions): void {
  const { seed, order, collected, pending } = walk('backward', root, seedValue, options.onStep, null);
  // Leaves accumulate across backward calls (PyTorch's rule) until zeroGrad(): in place, as PyTorch's
  // AccumulateGrad does, so that a `.grad` kept by zeroGrad({ setToNone: false }) stays the same tensor
  // and a step allocates no new one. A leaf never shares gradient storage with the seed or another leaf.
  const own = handOut(seed);
  // Storage still to be read while `.grad`s are written: the seed, the gradients being handed out, and
  // what the pending gradients read. A `.grad` that is one of them (a leaf's .grad passed as the seed,
  // an input that is another leaf's .grad) is not written in place but summed into a new tensor.
  const sources = new Set<Float64Array>([seed.nd.data]);
  for (const grad of collected.values()) sources.add(grad.nd.data);
  for (const gradient of pending.values()) for (const read of gradient.reads) sources.add(read);
  for (const [tensor, gradient] of pending) {
    const dst = tensor._peekGrad();
    if (dst === null || !sources.has(dst.nd.data)) continue;
    // Computed now, before any `.grad` changes, and handed out below as a gradient like the others.
    pending.delete(tensor);
    collected.set(tensor, gradient.toTensor());
  }
  // Pending writes first: they read inputs that an in-place add below may be about to change.
  for (const [tensor, gradient] of pending) {
    const dst = tensor._peekGrad();
    if (dst === null) {
      // A leaf without a gradient gets one written into storage of its own: the storage of the gradient
      // zeroGrad() dropped when nobody else could hold it, else new storage (PendingGradient.allocate).
      tensor._setGrad(fromData(gradientStorage(tensor, gradient), tensor.shape), true);
      continue;
    }
    gradient.write(dst.nd.data, dst.nd.offset, true);
    dst._version.value++;
  }
  for (const [tensor, grad] of collected) {
    const dst = tensor._peekGrad();
    if (dst === null) tensor._setGrad(own(grad), false);
    else if (takesInPlace(tensor) && !sources.has(dst.nd.data)) addInPlace(tensor, grad);
    else tensor._setGrad(addInto(dst, grad), false);
  }
  if (!options.retainGraph) release(order);
}

export interface GradientsOptions {
  /** The gradient of the output, as for `backward` (default 1 for a one-element output). */
  seed?: Seed;
  /** Keep the walked part of the graph so that it can be differentiated again (default false). */
  retainGraph?: boolean;
  /** As for `backward`: called once per op run. */
  onStep?: (step: BackwardStep) => void;
}

const GRADIENTS_OPTIONS: OptionSpec = { seed: 'any', retainGraph: 'boolean', onStep: 'function' };

/**
 * The gradients of `output` with respect to `inputs` (PyTorch's `torch.autograd.grad`): only the ops on
 * a path from `output` to an input run, and no `.grad` anywhere is read or written (nor do `retainGrad()`
 * tensors keep anything), so it is a pure function of the graph. Returns one gradient per input, or null
 * for an input the output does not depend on. An input may be an intermediate tensor: it gets the
 * gradient arriving at it. Unless `retainGraph`, the nodes whose rules ran are released as `backward` releases
 * its graph (the function transforms always retain it: the graph may belong to the caller).
 */
export function gradients(output: Tensor, inputs: readonly Tensor[], options: GradientsOptions = {}): (Tensor | null)[] {
  if (!(output instanceof Tensor)) throw new ValueError('gradients', `the output must be a Tensor, got ${describeValue(output)}`);
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) throw new ValueError('gradients', 'inputs must be a list of Tensors');
  const checked = checkOptions('gradients', options, GRADIENTS_OPTIONS, '{ retainGraph: true }');
  const { seed, ran, collected } = walk('gradients', output, checked.seed, checked.onStep, new Set(inputs));
  const own = handOut(seed);
  const result = inputs.map((t) => {
    const g = collected.get(t);
    return g === undefined ? null : own(g);
  });
  if (!checked.retainGraph) release(ran);
  return result;
}

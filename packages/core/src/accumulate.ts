import { shapesEqual, sizeOf } from './shape.js';
import { Tensor, fromData, isContiguousView, ownsStorage } from './tensor.js';
import { record } from './graph.js';
import { enableGrad } from './modes.js';

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
   * and the upstream gradient), which stay unchanged until the engine calls it. If it throws, it must
   * leave `out` as it found it: backward then puts back every other `.grad` it wrote, so that a failed
   * backward changes nothing.
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

let engineAllocator: ((length: number) => Float64Array) | null = null;

/**
 * Where the engine's own arrays come from: the gradient sums at branches and the copies of
 * gradients it hands out, which it writes in full. ops registers its kernel's storage (the arena: pages
 * already in use, where a fresh large Float64Array faults a page per 4 KiB when first written; small
 * arrays stay plain there); core alone uses plain arrays. The array need not be zero-filled.
 */
export function setEngineStorage(allocate: ((length: number) => Float64Array) | null): void {
  engineAllocator = allocate;
}

/** Storage of `length` values the caller writes in full (not zero-filled). */
function engineStorage(length: number): Float64Array {
  return engineAllocator !== null ? engineAllocator(length) : new Float64Array(length);
}

/** A copy of `data` in storage of its own. */
function copyOf(data: Float64Array): Float64Array {
  const out = engineStorage(data.length);
  out.set(data);
  return out;
}

export function addInto(a: Tensor, b: Tensor): Tensor {
  const x = a.data;
  const y = b.data;
  const out = engineStorage(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + y[i]!;
  return fromData(out, a.shape);
}

/**
 * a + b (same shape) recorded in the graph when either requires grad: how a backward with
 * `{ createGraph: true }` sums gradients at branches, so that the sum stays differentiable. Its rule
 * hands the upstream gradient to both terms, which is differentiable as it stands.
 */
export function addRecorded(a: Tensor, b: Tensor): Tensor {
  const rule = (dy: Tensor): Tensor[] => [dy, dy];
  return record('add', [a, b], addInto(a, b), rule, [], rule);
}

/** A copy of `g` in storage of its own, in the graph (an identity op) when `g` requires grad. */
function copyRecorded(g: Tensor): Tensor {
  const rule = (dy: Tensor): Tensor[] => [dy];
  return record('clone', [g], fromData(copyOf(g.data), g.shape), rule, [], rule);
}

/**
 * The gradients arriving at the tensors of a walk, summed at branches (a tensor used by several ops
 * receives the sum of their gradients, in the order they arrive). A rule's PendingGradient for a leaf
 * whose `.grad` can take it in place is kept aside for the end of a `backward` when `defers` (not for
 * `gradients`, which writes no `.grad`, nor under onStep or anomaly mode, which look at every gradient
 * as a tensor). Only a leaf's sole gradient waits: with two or more, they are summed as tensors in the
 * order they arrive, so the result rounds exactly as without pending gradients.
 */
export class Arrivals {
  readonly #sums = new Map<Tensor, Tensor>();
  /** Leaves whose only gradient is a PendingGradient, still to be added into their `.grad` in place. */
  readonly pending = new Map<Tensor, PendingGradient>();

  constructor(
    root: Tensor,
    seed: Tensor,
    private readonly defers: boolean,
    /** Sum in the graph (`{ createGraph: true }`): gradients of gradients add at branches too. */
    private readonly recorded = false,
  ) {
    this.#sums.set(root, seed);
  }

  /** The sum of the gradients that arrived at `t`, which leaves the walk's books; undefined if none did. */
  take(t: Tensor): Tensor | undefined {
    const g = this.#sums.get(t);
    if (g !== undefined) this.#sums.delete(t);
    return g;
  }

  /** Adds a gradient arriving at `input`; returns it as a tensor, or null when it was kept aside. */
  add(input: Tensor, gradient: Tensor | PendingGradient): Tensor | null {
    if (gradient instanceof PendingGradient) {
      if (this.defers && input._node === null && !this.#sums.has(input) && !this.pending.has(input) && (input._peekGrad() === null || takesInPlace(input))) {
        this.pending.set(input, gradient);
        return null;
      }
      gradient = gradient.toTensor();
    }
    const waiting = this.pending.get(input);
    if (waiting !== undefined) {
      // A second gradient for a leaf that had a pending one: that one comes first, as a tensor.
      this.pending.delete(input);
      this.#sums.set(input, waiting.toTensor());
    }
    const existing = this.#sums.get(input);
    this.#sums.set(input, existing === undefined ? gradient : this.recorded ? addRecorded(existing, gradient) : addInto(existing, gradient));
    return gradient;
  }
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
export function handOut(seed: Tensor, createGraph = false): (grad: Tensor) => Tensor {
  const handedOut = new Set<Float64Array>([seed.nd.data]);
  return (grad) => {
    // Under createGraph a gradient in the graph is handed out as it is (or as a recorded copy): it is
    // what a further backward differentiates.
    const fresh = ownsStorage(grad.nd) && !handedOut.has(grad.nd.data);
    const own = fresh && !grad.requiresGrad ? grad : createGraph && grad.requiresGrad ? (fresh ? grad : enableGrad(() => copyRecorded(grad))) : fromData(copyOf(grad.data), grad.shape);
    handedOut.add(own.nd.data);
    return own;
  };
}

/**
 * `gradient` written into storage that is to become `leaf`'s `.grad`: the leaf's spare storage (a
 * dropped private gradient, which a training loop's default zeroGrad() leaves every step) when there is
 * one, so that a step with PyTorch's default zeroGrad() allocates no weight-sized gradient either. The
 * spare stays the leaf's until the storage is attached, so a backward that fails keeps it.
 */
function gradientStorage(leaf: Tensor, gradient: PendingGradient): Float64Array {
  const length = sizeOf(leaf.shape);
  const spare = leaf._spareGrad;
  const storage = spare !== null && spare.length === length ? spare : gradient.allocate(length);
  gradient.write(storage, 0, false);
  return storage;
}

/**
 * Has each pending gradient add itself into its leaf's existing `.grad`, all or nothing. The largest
 * goes last and the destinations of the others are copied before they are written, so that when a
 * write throws, those already done are put back: a pass that writes one `.grad` this way copies
 * nothing, and with more, a copy of each but the largest is what the promise costs. Versions are
 * bumped once all succeeded.
 */
function writeInPlace(writes: [Tensor, PendingGradient][]): void {
  let largest = 0;
  for (let k = 1; k < writes.length; k++) if (writes[k]![0].size > writes[largest]![0].size) largest = k;
  writes.push(...writes.splice(largest, 1));
  const undo: { data: Float64Array; offset: number; values: Float64Array }[] = [];
  try {
    for (let k = 0; k < writes.length; k++) {
      const [tensor, gradient] = writes[k]!;
      const { data, offset } = tensor._peekGrad()!.nd;
      if (k < writes.length - 1) undo.push({ data, offset, values: data.slice(offset, offset + tensor.size) });
      gradient.write(data, offset, true);
    }
  } catch (error) {
    // In reverse, so that two leaves sharing one `.grad` get back what was there before either wrote.
    for (let k = undo.length - 1; k >= 0; k--) undo[k]!.data.set(undo[k]!.values, undo[k]!.offset);
    throw error;
  }
  for (const [tensor] of writes) tensor._peekGrad()!._version.value++;
}

/**
 * The end of a backward pass (PyTorch's AccumulateGrad): adds the walk's gradients into the `.grad` of
 * leaves and `retainGrad()` tensors. Leaves accumulate across backward calls (PyTorch's rule) until
 * zeroGrad(): in place, so that a `.grad` kept by zeroGrad({ setToNone: false }) stays the same tensor
 * and a step allocates no new one. A leaf never shares gradient storage with the seed or another leaf.
 * The pending gradients' writes are the only code here that can fail; they run first, into storage not
 * yet attached or undone on failure, so that a backward that throws changes no `.grad`.
 */
export function accumulateGrads(seed: Tensor, collected: Map<Tensor, Tensor>, pending: Map<Tensor, PendingGradient>): void {
  const own = handOut(seed);
  // Storage still to be read while `.grad`s are written: the seed, the gradients being handed out, and
  // what the pending gradients read. A `.grad` that is one of them (a leaf's .grad passed as the seed,
  // an input that is another leaf's .grad) is not written in place but summed into a new tensor.
  const sources = new Set<Float64Array>([seed.nd.data]);
  for (const grad of collected.values()) sources.add(grad.nd.data);
  for (const gradient of pending.values()) for (const read of gradient.reads) sources.add(read);
  const fresh: [Tensor, Float64Array][] = [];
  const inPlace: [Tensor, PendingGradient][] = [];
  for (const [tensor, gradient] of pending) {
    const dst = tensor._peekGrad();
    // A leaf without a gradient gets one written into storage of its own: the storage of the gradient
    // zeroGrad() dropped when nobody else could hold it, else new storage (PendingGradient.allocate).
    if (dst === null) fresh.push([tensor, gradientStorage(tensor, gradient)]);
    // Computed before any `.grad` changes, and handed out below as a gradient like the others.
    else if (sources.has(dst.nd.data)) collected.set(tensor, gradient.toTensor());
    else inPlace.push([tensor, gradient]);
  }
  // Pending writes before the adds below: they read inputs that an in-place add may be about to change.
  writeInPlace(inPlace);
  for (const [tensor, storage] of fresh) {
    tensor._spareGrad = null;
    tensor._setGrad(fromData(storage, tensor.shape), true);
  }
  for (const [tensor, grad] of collected) {
    const dst = tensor._peekGrad();
    if (dst === null) tensor._setGrad(own(grad), false);
    else if (takesInPlace(tensor) && !sources.has(dst.nd.data)) addInPlace(tensor, grad);
    else tensor._setGrad(addInto(dst, grad), false);
  }
}

/**
 * The end of a backward pass with `{ createGraph: true }`: each leaf's (and `retainGrad()` tensor's)
 * gradient is a tensor in the graph, so `.grad` becomes that tensor, or the recorded sum of the old
 * `.grad` and it, never an in-place add (PyTorch's AccumulateGrad under create_graph). Nothing here can
 * fail, so a failed backward still changes no `.grad`.
 */
export function accumulateGraphGrads(seed: Tensor, collected: Map<Tensor, Tensor>): void {
  const own = handOut(seed, true);
  enableGrad(() => {
    for (const [tensor, grad] of collected) {
      const dst = tensor._peekGrad();
      tensor._setGrad(dst === null ? own(grad) : addRecorded(dst, grad), false);
    }
  });
}

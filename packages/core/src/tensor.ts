import type { NdArray } from 'ndarray';
import { GraphError, ShapeError, TENSOR_BRAND, THIS_COPY, ValueError, describeValue } from './errors.js';
import { broadcastAxis, checkShape, checkSize, contiguousStrides, formatShape, shapesEqual, sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';
import { stridedView } from './view.js';
import { checkOptions, type OptionSpec } from './options.js';

/** The options of every function that makes a tensor (creators add their own). */
export const TENSOR_OPTIONS: OptionSpec = { requiresGrad: 'boolean', name: 'string' };
const BACKWARD_OPTION_SPEC: OptionSpec = { retainGraph: 'boolean', createGraph: 'boolean', onStep: 'function' };
const ZERO_GRAD_OPTION_SPEC: OptionSpec = { setToNone: 'boolean' };
import { runBackward, type BackwardOptions } from './engine.js';
import { isGradEnabled, noGrad } from './modes.js';
import type { GraphNode } from './graph.js';

export interface ZeroGradOptions {
  /** Drop `.grad` (null, the default, as PyTorch's) rather than fill it with zeros in place. */
  setToNone?: boolean;
}

export type NdFloat64 = NdArray<Float64Array>;

/** Shared by a tensor and every view of the same storage: bumped by each in-place write. */
export interface VersionCounter {
  value: number;
}

export interface TensorOptions {
  requiresGrad?: boolean;
  name?: string;
}

/**
 * The own enumerable properties of a tensor, which are all that deep-equality checks (vitest's
 * `toEqual`/`toStrictEqual`, node's `assert.deepStrictEqual`) compare and what their diffs print:
 * the values in row-major order and the shape. Everything else (gradient, graph, name, version) lives in
 * private fields behind accessors, so two tensors with the same shape and values are deep-equal whatever
 * their history, layout (a transposed view and its contiguous copy) or `requiresGrad`, as `torch.equal`.
 * Registered symbols, so that tensors from two copies of the library compare alike.
 */
export const TENSOR_VALUES: unique symbol = Symbol.for('tensorgrad.values') as any;
export const TENSOR_SHAPE: unique symbol = Symbol.for('tensorgrad.shape') as any;

/** The values of a view, computed when an equality check or a diff reads them (a copy: see `data`). */
const VIEW_VALUES: PropertyDescriptor = {
  get(this: Tensor): Float64Array {
    return this.data;
  },
  enumerable: true,
  configurable: true,
};

/**
 * An n-dimensional float64 array with an optional gradient. Storage is a Float64Array seen through an
 * `ndarray` view (shape, strides, offset), so transposes and broadcasts can be views without copies.
 */
export class Tensor {
  /**
   * The values in row-major order, for deep equality only: the storage itself when the tensor covers
   * it in order (no copy), else a getter copying them. Read values with `data`.
   */
  declare readonly [TENSOR_VALUES]: Float64Array;
  /** The shape, for deep equality only (the same frozen array as `shape`). */
  declare readonly [TENSOR_SHAPE]: readonly number[];

  static {
    // This copy's mark, so that an error can tell a tensor of another copy of tensorgrad (errors.ts).
    Object.defineProperty(this.prototype, TENSOR_BRAND, { value: THIS_COPY });
  }

  /**
   * Whether v is a tensor made by this copy of tensorgrad. Unlike `instanceof`, false for an object that
   * only shares the prototype: the deep copy a test runner's diff makes of a tensor (vitest's copies own
   * properties onto `Object.create(Tensor.prototype)`) has the values and shape but none of the internals.
   */
  static isTensor(v: unknown): v is Tensor {
    return typeof v === 'object' && v !== null && #nd in v;
  }

  /**
   * @internal The tensor that such a copy describes (its own values and shape, not copied again), or null
   * when v is not a copy of a tensor.
   */
  static fromCopy(v: unknown): Tensor | null {
    if (typeof v !== 'object' || v === null || #nd in v) return null;
    const values = (v as { [TENSOR_VALUES]?: unknown })[TENSOR_VALUES];
    const shape = (v as { [TENSOR_SHAPE]?: unknown })[TENSOR_SHAPE];
    if (!(values instanceof Float64Array) || !Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) return null;
    if (sizeOf(shape) !== values.length) return null;
    return new Tensor(stridedView(values, shape));
  }

  #grad: Tensor | null = null;
  #gradPrivate = false;
  #spareGrad: Float64Array | null = null;
  #name: string | undefined;
  #node: GraphNode | null = null;
  #version: VersionCounter;
  #retainGrad = false;
  #base: Tensor | null = null;
  #requiresGrad: boolean;
  readonly #nd: NdFloat64;
  readonly #shape: readonly number[];
  readonly #size: number;

  constructor(nd: NdFloat64, options: TensorOptions = {}, version?: VersionCounter) {
    this.#nd = nd;
    const shape = Object.freeze(nd.shape.slice());
    this.#shape = shape;
    this.#size = sizeOf(shape);
    // Values before shape: equality checks compare the last own key first, so a shape mismatch fails
    // before a million values are walked. A plain field for a tensor owning its storage (the common,
    // hot case); only a view pays for an accessor.
    if (ownsStorage(nd)) (this as any)[TENSOR_VALUES] = nd.data;
    else Object.defineProperty(this, TENSOR_VALUES, VIEW_VALUES);
    (this as any)[TENSOR_SHAPE] = shape;
    const requiresGrad = options.requiresGrad ?? false;
    if (typeof requiresGrad !== 'boolean') throw new ValueError('Tensor', `requiresGrad must be true or false, got ${String(requiresGrad)}`);
    this.#requiresGrad = requiresGrad;
    this.#name = options.name;
    this.#version = version ?? { value: 0 };
  }

  /** An optional name, for error messages and diagrams (not compared by deep equality). */
  get name(): string | undefined {
    return this.#name;
  }

  set name(value: string | undefined) {
    this.#name = value;
  }

  /**
   * @internal Whether the storage of the gradient was allocated by backward for this tensor alone and has
   * not been seen outside the library since (no read of `.grad`): only then may zeroGrad() keep it for reuse.
   */
  get _gradPrivate(): boolean {
    return this.#gradPrivate;
  }

  set _gradPrivate(value: boolean) {
    this.#gradPrivate = value;
  }

  /**
   * @internal The storage of a private gradient that zeroGrad() dropped: backward writes this tensor's
   * next gradient into it instead of allocating one (see runBackward). Nothing outside the library can
   * hold it, so reusing it is invisible.
   */
  get _spareGrad(): Float64Array | null {
    return this.#spareGrad;
  }

  set _spareGrad(value: Float64Array | null) {
    this.#spareGrad = value;
  }

  /** @internal The op that produced this tensor and what its backward needs; null for leaves. */
  get _node(): GraphNode | null {
    return this.#node;
  }

  set _node(value: GraphNode | null) {
    this.#node = value;
  }

  /** @internal */
  get _version(): VersionCounter {
    return this.#version;
  }

  /** @internal Keep .grad on this non-leaf during backward (see retainGrad). */
  get _retainGrad(): boolean {
    return this.#retainGrad;
  }

  /**
   * @internal The tensor whose storage this view shares (PyTorch's `_base`), so that an InPlaceError
   * about an unnamed view (a transposed weight saved by matmul) can name the parameter it looks into.
   */
  get _base(): Tensor | null {
    return this.#base;
  }

  set _base(value: Tensor | null) {
    this.#base = value;
  }

  /**
   * The gradient accumulated by backward passes; null until one reaches this tensor (and after
   * zeroGrad()). Reading it hands it out: that gradient is then the caller's, and is never reused.
   */
  get grad(): Tensor | null {
    this.#gradPrivate = false;
    return this.#grad;
  }

  /** As PyTorch: a tensor of this tensor's shape, or null (anything else is refused, and nothing changes). */
  set grad(value: Tensor | null) {
    if (value !== null && !(value instanceof Tensor)) {
      throw new ValueError('grad', `a gradient must be a Tensor or null, got ${describeValue(value)}`);
    }
    if (value !== null && !shapesEqual(value.shape, this.#shape)) {
      throw new ShapeError('grad', `assigned gradient has shape ${formatShape(value.shape)}, but the tensor${this.name ? ` '${this.name}'` : ''} has shape ${formatShape(this.#shape)}`);
    }
    this.#grad = value;
    this.#gradPrivate = false;
  }

  /** @internal The gradient, read by the library (an optimizer's step) without handing it out. */
  _peekGrad(): Tensor | null {
    return this.#grad;
  }

  /** @internal Sets the gradient; `isPrivate` when backward allocated its storage for this tensor alone. */
  _setGrad(value: Tensor | null, isPrivate: boolean): void {
    this.#grad = value;
    this.#gradPrivate = isPrivate && value !== null;
  }

  /** The ndarray view (storage, shape, strides, offset) for interop with scijs code. */
  get nd(): NdFloat64 {
    return this.#nd;
  }

  /** The dimensions. Frozen, and a getter like `ndim` and `size`: assigning to them throws. */
  get shape(): readonly number[] {
    return this.#shape;
  }

  get ndim(): number {
    return this.#shape.length;
  }

  get size(): number {
    return this.#size;
  }

  /** Whether backward should compute a gradient for this tensor. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (typeof value !== 'boolean') throw new ValueError('requiresGrad', `requiresGrad must be true or false, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    if (this.#node !== null && !value) {
      throw new GraphError('requiresGrad', 'only a leaf tensor can stop requiring grad; use detach() for a non-leaf');
    }
    this.#requiresGrad = value;
  }

  /** A leaf was made by the user (or by an op under noGrad), not recorded from an op. */
  get isLeaf(): boolean {
    return this.#node === null;
  }

  /** How many in-place writes the storage has seen (PyTorch's version counter). */
  get version(): number {
    return this.#version.value;
  }

  /** True when the values sit in row-major order from the start of the storage. */
  get isContiguous(): boolean {
    return isContiguousView(this.nd);
  }

  /**
   * The values in row-major order. For a contiguous tensor this is the storage itself (no copy):
   * write through `mutate()` so that in-place checks see the change.
   */
  get data(): Float64Array {
    if (ownsStorage(this.nd)) return this.nd.data;
    checkSize('data', this.shape); // a broadcast view can be far larger than its storage
    return contiguousData(this.nd);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError('item', `only a one-element tensor has an item; this one has shape ${formatShape(this.shape)}`);
    return this.nd.data[this.nd.offset]!;
  }

  /** Nested number arrays (a number for a 0-d tensor). */
  toArray(): any {
    const data = this.data;
    if (this.ndim === 0) return data[0];
    const build = (axis: number, offset: number, strides: number[]): any => {
      const n = this.shape[axis]!;
      const out = new Array(n);
      if (axis === this.ndim - 1) for (let i = 0; i < n; i++) out[i] = data[offset + i];
      else for (let i = 0; i < n; i++) out[i] = build(axis + 1, offset + i * strides[axis]!, strides);
      return out;
    };
    return build(0, 0, contiguousStrides(this.shape));
  }

  /**
   * What `JSON.stringify` writes: the nested values of `toArray()` (the nesting gives the shape, except
   * for a zero-size tensor: [0, 3] writes []; NaN and ±Infinity become null, as JSON has no such
   * numbers). Not the internals (graph, storage).
   */
  toJSON(): any {
    if (!(#nd in this)) return copyJSON(this);
    return this.toArray();
  }

  toString(): string {
    if (!(#nd in this)) return Tensor.fromCopy(this)?.toString() ?? NOT_A_COPY;
    return formatTensor(this);
  }

  /**
   * What node's `util.inspect` and console.log print: `toString()`. Assertion messages (chai's and
   * vitest's "expected ... to deeply equal ...") pass a `truncate` length and replace anything as long
   * with `{ Object () }`, so there the tensor is printed on one line, cut to fit, with its shape.
   */
  [Symbol.for('nodejs.util.inspect.custom')](_depth?: number, options?: { truncate?: unknown }): string {
    const text = this.toString();
    const limit = options?.truncate;
    if (typeof limit !== 'number' || !(limit > 0) || text.length < limit) return text;
    const shape = #nd in this ? this.#shape : Tensor.fromCopy(this)?.shape;
    return shape ? shortForm(text, shape, limit) : text;
  }

  /** The same values (and storage) cut off from the graph: no gradient flows through it. */
  detach(): Tensor {
    const out = new Tensor(this.nd, { name: this.#name }, this.#version);
    out.#base = this.#base ?? this;
    return out;
  }

  /** Keep `.grad` on this intermediate (non-leaf) tensor during backward, as PyTorch's retain_grad(). */
  retainGrad(): this {
    if (this.#node !== null) this.#retainGrad = true;
    return this;
  }

  /** Names this tensor (for error messages and diagrams) and returns it, so it chains: `W.matmul(x).named('q')`. */
  named(name: string): this {
    this.#name = name;
    return this;
  }

  /**
   * Reverse-mode differentiation from this tensor. A non-scalar output needs a `seed` of its own shape.
   * Gradients accumulate into the `.grad` of leaves that require grad, across calls, until zeroGrad().
   */
  backward(seed?: Tensor | number | ArrayLike<number>, options: BackwardOptions = {}): void {
    if (isOptionsObject(seed)) {
      // PyTorch's loss.backward(retain_graph=True) is a keyword argument; here options are the second argument.
      const shown = Object.entries(seed).map(([key, value]) => `${key}: ${typeof value === 'boolean' ? value : '...'}`).join(', ');
      throw new ValueError('backward', `options go second, after the seed gradient: backward(undefined, { ${shown} }) (the first argument is the seed: a Tensor, a number or an array of numbers)`);
    }
    runBackward(this, seed, checkOptions('backward', options, BACKWARD_OPTION_SPEC, '{ retainGraph: true }'));
  }

  /**
   * Clears the accumulated gradient: forgets it (`.grad` becomes null, PyTorch's default `set_to_none`),
   * or with `{ setToNone: false }` fills it with zeros in place, so that the next backward adds into
   * the same storage instead of allocating a new gradient (a training loop's steps then allocate no
   * weight-sized arrays). A gradient in the graph (from a backward with `{ createGraph: true }`) is
   * not zeroed in place but replaced by zeros outside the graph (PyTorch detaches it first): its graph
   * would otherwise stay behind the zeros and count in the next second derivative, and anything the
   * caller built from it would change.
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const { setToNone = true } = checkOptions('zeroGrad', options, ZERO_GRAD_OPTION_SPEC, '{ setToNone: false }');
    const g = this.#grad;
    if (setToNone || g === null) {
      // PyTorch's caching allocator hands a dropped gradient's memory to the next one; here backward
      // reuses the storage itself, when no code outside the library can hold it (see _gradPrivate).
      if (g !== null && this.#gradPrivate) this.#spareGrad = g.nd.data;
      this._setGrad(null, false);
    } else if (g.requiresGrad) this._setGrad(fromData(new Float64Array(this.#size), this.#shape), true);
    else noGrad(() => g.mutate((d) => d.fill(0)));
  }

  /**
   * Writes into the storage in place and bumps the version counter, so that a backward that saved
   * this tensor before the write fails loudly instead of using the new values.
   */
  mutate(write: (data: Float64Array) => void): this {
    const axis = broadcastAxis(this.shape, this.nd.stride);
    if (axis >= 0) {
      // PyTorch's refusal: which of the writes to a shared element would win is not the caller's choice.
      throw new ValueError('mutate', `${describeTensor(this)} is a broadcast view (stride 0 along axis ${axis}, of length ${this.shape[axis]}): more than one of its elements refers to a single memory location, so it cannot be written in place; write into a copy (clone()) or into the tensor it was broadcast from`);
    }
    if (isGradEnabled() && this.#requiresGrad) {
      throw new GraphError('mutate', `a tensor${this.name ? ` '${this.name}'` : ''} that requires grad cannot be modified in place while grad is enabled; wrap the update in noGrad()`);
    }
    const nd = this.nd;
    if (ownsStorage(nd)) {
      // Bumped even when `write` throws half-way: the storage may already have changed, and a backward
      // that saved it must not silently use half-written values.
      try {
        write(nd.data);
      } finally {
        this.#version.value++;
      }
    } else {
      // A strided view: write into a row-major copy, then scatter it back through the view (nothing
      // reaches the storage if `write` throws).
      const copy = contiguousData(nd);
      write(copy);
      this.#version.value++;
      scatterInto(nd, copy);
    }
    return this;
  }
}

const NOT_A_COPY = 'Tensor (an object with the prototype of Tensor but no values and shape)';

/** Above this size, a diff prints a copy of a tensor as its summary rather than value by value. */
const COPY_DIFF_LIMIT = 1000;

/**
 * What a deep copy of a tensor gives `toJSON`, which vitest's diff calls (pretty-format's callToJSON) on
 * the copies it prints. A small one prints as it is, value by value; a large one as its printed summary
 * (first and last values), its shape and a checksum of all its values, so that the diff of two large
 * tensors costs a few lines instead of a line per value (seconds to minutes from 10^4 values) and two
 * that differ only in values the summary leaves out still print differently.
 */
function copyJSON(copy: Tensor): unknown {
  const t = Tensor.fromCopy(copy);
  if (t === null) return NOT_A_COPY;
  if (t.size <= COPY_DIFF_LIMIT) {
    // A fresh copy of the copy: pretty-format reports the copy itself, already on its path, as circular.
    const out = Object.create(Tensor.prototype);
    out[TENSOR_VALUES] = t.nd.data;
    out[TENSOR_SHAPE] = t.shape;
    return out;
  }
  return `${formatTensor(t)}\nshape ${formatShape(t.shape)}, ${t.size} values, checksum ${checksum(t.nd.data)}`;
}

/** FNV-1a over the bytes of the values (as 32-bit words): equal values give equal sums. */
function checksum(values: Float64Array): string {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** `text` (a printed tensor) on one line and shorter than `limit`: the first values, then the shape. */
function shortForm(text: string, shape: readonly number[], limit: number): string {
  const line = text.replace(/\n\s*/g, ' ');
  if (line.length < limit) return line;
  const tail = ` …, shape=${formatShape(shape)})`;
  const cut = line.lastIndexOf(',', limit - 1 - tail.length - 1);
  return cut > 'tensor('.length ? line.slice(0, cut + 1) + tail : `tensor(shape=${formatShape(shape)})`;
}

/** A plain object whose keys are all backward options (and at least one): `{ retainGraph: true }` passed as the seed. */
function isOptionsObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || value instanceof Tensor || 'length' in value) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => Object.prototype.hasOwnProperty.call(BACKWARD_OPTION_SPEC, key));
}

export function isContiguousView(nd: NdFloat64): boolean {
  const shape = nd.shape;
  const strides = nd.stride;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** The view covers its whole storage in row-major order, so the storage itself is the row-major data. */
export function ownsStorage(nd: NdFloat64): boolean {
  return nd.offset === 0 && nd.data.length === sizeOf(nd.shape) && isContiguousView(nd);
}

/** The fields of a strided view that the copies below read: an ndarray, or plain arrays (ops' kernels). */
export interface StridedLayout {
  readonly data: Float64Array;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

/**
 * Visits the rows (the runs along the last axis) of a strided view of rank >= 1 in row-major order:
 * `inner(position in the storage of the row's first element, row-major index of it, row length, stride
 * along the row)`. Plain loops with an odometer over the outer axes, instead of ndarray-ops, whose
 * kernels are compiled with `new Function` (refused under a Content-Security-Policy without 'unsafe-eval').
 */
function forEachRow(nd: StridedLayout, inner: (storage: number, flat: number, n: number, step: number) => void): void {
  const shape = nd.shape;
  const stride = nd.stride;
  const last = shape.length - 1;
  const n = shape[last]!;
  const step = stride[last]!;
  const size = sizeOf(shape);
  if (size === 0) return;
  const index = new Array<number>(last).fill(0);
  let position = nd.offset;
  for (let flat = 0; flat < size; flat += n) {
    inner(position, flat, n, step);
    for (let axis = last - 1; axis >= 0; axis--) {
      position += stride[axis]!;
      if (++index[axis]! < shape[axis]!) break;
      position -= stride[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
}

/** Tile edge of the 2-d copy: two 32 x 32 float64 tiles (16 KiB) stay in L1. */
const TILE = 32;

/**
 * The values of a strided view, row-major, in a fresh array. A 2-d view whose rows are strided (a
 * transposed matrix, typically) is copied in 32 x 32 tiles, so that both the reads and the writes stay
 * in cache; other views are walked row by row.
 */
export function contiguousData(nd: StridedLayout): Float64Array {
  const out = new Float64Array(sizeOf(nd.shape));
  if (out.length === 0) return out;
  const data = nd.data;
  if (nd.shape.length === 0) {
    out[0] = data[nd.offset]!;
    return out;
  }
  if (nd.shape.length === 2 && nd.stride[1] !== 1) {
    const [rows, cols] = nd.shape as [number, number];
    const [rs, cs] = nd.stride as [number, number];
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, cols);
        for (let i = i0; i < i1; i++) {
          const src = nd.offset + i * rs;
          const dst = i * cols;
          for (let j = j0; j < j1; j++) out[dst + j] = data[src + j * cs]!;
        }
      }
    }
    return out;
  }
  forEachRow(nd, (position, flat, n, step) => {
    for (let j = 0; j < n; j++) out[flat + j] = data[position + j * step]!;
  });
  return out;
}

/**
 * Writes row-major `values` through a strided view (the inverse of contiguousData), or adds them to
 * what is there when `accumulate`.
 */
export function scatterInto(nd: StridedLayout, values: Float64Array, accumulate = false): void {
  const data = nd.data;
  if (nd.shape.length === 0) {
    data[nd.offset] = accumulate ? data[nd.offset]! + values[0]! : values[0]!;
    return;
  }
  forEachRow(nd, (position, flat, n, step) => {
    if (accumulate) for (let j = 0; j < n; j++) data[position + j * step] += values[flat + j]!;
    else for (let j = 0; j < n; j++) data[position + j * step] = values[flat + j]!;
  });
}

/** Wraps row-major values as a tensor of the given shape, without copying. */
export function fromData(data: Float64Array, shape: Shape, options?: TensorOptions): Tensor {
  if (!(data instanceof Float64Array)) {
    throw new ValueError('fromData', `expected a Float64Array, got ${data === null ? 'null' : Array.isArray(data) ? 'an Array (use tensor() to copy plain arrays)' : describeValue(data)}`);
  }
  checkShape(shape, 'fromData');
  options = checkOptions('fromData', options, TENSOR_OPTIONS, '{ requiresGrad: true }');
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError('fromData', `${data.length} values cannot fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
  }
  return new Tensor(stridedView(data, shape), options);
}

/**
 * A tensor from an ndarray of scijs code. A float64 ndarray is viewed as it is (no copy: any strides,
 * offset, transposes, `.hi/.lo/.step` slices); any other data is converted element by element.
 */
export function fromNdarray(nd: NdArray, options?: TensorOptions): Tensor {
  if (nd === null || typeof nd !== 'object' || !Array.isArray(nd.shape) || nd.data === undefined) {
    throw new ValueError('fromNdarray', `expected an ndarray (an object with data, shape, stride and offset), got ${describeValue(nd)}`);
  }
  options = checkOptions('fromNdarray', options, TENSOR_OPTIONS, '{ requiresGrad: true }');
  const shape = checkShape(nd.shape, 'fromNdarray');
  if (nd.data instanceof Float64Array) return new Tensor(nd as NdFloat64, options);
  const out = new Float64Array(checkSize('fromNdarray', shape));
  const get = nd.get.bind(nd) as (...index: number[]) => unknown;
  // Walk the indices in row-major order with an odometer (no recursion, any number of dimensions).
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    const v = get(...index);
    if (typeof v !== 'number') {
      throw new ValueError('fromNdarray', `non-numeric value ${String(v)} at index [${index.join(', ')}] of an ndarray of shape ${formatShape(shape)}`);
    }
    out[i] = v;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return new Tensor(stridedView(out, shape), options);
}

/** A tensor over the same storage as `x` with another shape / strides / offset: no copy, shared version counter. */
export function viewOf(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number = x.nd.offset): Tensor {
  const out = new Tensor(stridedView(x.nd.data, shape, strides, offset), {}, x._version);
  out._base = x._base ?? x;
  return out;
}

/**
 * Names a tensor in an error message as `label` ('a tensor', 'input 1'), its name and shape, and for an
 * unnamed view the named tensor it is a view of.
 */
export function describeTensor(t: Tensor, label = 'a tensor'): string {
  const own = `${label}${t.name ? ` '${t.name}'` : ''} of shape ${formatShape(t.shape)}`;
  const base = t._base;
  if (t.name || base === null) return own;
  return `${own} (a view of ${base.name ? `'${base.name}'` : 'a tensor'} of shape ${formatShape(base.shape)})`;
}

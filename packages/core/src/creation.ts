import { ShapeError, ValueError, describeValue } from './errors.js';
import { MAX_NDIM, cannotAllocate, checkShape, checkSize, formatShape, sizeOf } from './shape.js';
import { randomFor } from './random.js';
import { TENSOR_OPTIONS, Tensor, type TensorOptions } from './tensor.js';
import { checkOptions, type OptionSpec } from './options.js';
import { stridedView } from './view.js';

export interface CreationOptions extends TensorOptions {
  /** The shape to give a flat array or typed array of values. */
  shape?: readonly number[];
}

export interface RandomOptions extends TensorOptions {
  /** Same seed, same numbers, on every run and machine. */
  seed?: number;
}

/** The options each creator takes (see checkOptions: unknown keys are refused, flags type-checked). */
const SPECS: Readonly<Record<string, OptionSpec>> = {
  tensor: { ...TENSOR_OPTIONS, shape: 'any' },
  rand: { ...TENSOR_OPTIONS, seed: 'any', low: 'any', high: 'any' },
  randn: { ...TENSOR_OPTIONS, seed: 'any', mean: 'any', std: 'any' },
};

function creatorOptions<T extends object>(options: T | null | undefined, op: string): Partial<T> {
  return checkOptions(op, options, SPECS[op] ?? TENSOR_OPTIONS, '{ requiresGrad: true }');
}

export type NestedArray = number | readonly NestedArray[];

/**
 * A zeroed Float64Array for `shape`. A shape beyond MAX_SIZE values, or too large for memory, is a
 * ShapeError naming the op (checkSize, the same check and message as every op's), not a bare RangeError.
 */
function allocate(shape: readonly number[], op: string): Float64Array {
  const size = checkSize(op, shape);
  try {
    return new Float64Array(size);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ShapeError(op, `${cannotAllocate(size, shape)}: out of memory`);
  }
}

function make(data: Float64Array, shape: readonly number[], options: TensorOptions = {}): Tensor {
  return new Tensor(stridedView(data, shape), { requiresGrad: options.requiresGrad, name: options.name });
}

/**
 * The shape of a nested array, read along its first entries (`fill` then checks every other entry). At
 * most MAX_NDIM levels deep (NumPy's limit), so that `fill`'s walk, one call per level, stays shallow.
 */
function inferShape(values: readonly NestedArray[]): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    if (shape.length === MAX_NDIM) throw new ShapeError('tensor', `nested array more than ${MAX_NDIM} levels deep: a tensor has at most ${MAX_NDIM} dimensions (NumPy's limit)`);
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  return shape;
}

/** Copies a nested array of `shape` into `out` in row-major order: ShapeError if ragged, ValueError if not numeric. */
function fill(values: readonly NestedArray[], shape: number[], out: Float64Array): void {
  const path: number[] = [];
  let k = 0;
  const where = (): string => `at index [${path.join(', ')}]`;
  // Recursion depth is the number of dimensions, not the number of values.
  const walk = (v: NestedArray, axis: number): void => {
    if (axis === shape.length) {
      if (typeof v === 'number') out[k++] = v;
      else if (Array.isArray(v)) throw new ShapeError('tensor', `ragged nested array: an array ${where()} where a number was expected (shape ${formatShape(shape)})`);
      else throw new ValueError('tensor', `non-numeric value ${describeValue(v)} ${where()}`);
      return;
    }
    if (!Array.isArray(v)) {
      if (typeof v === 'number') throw new ShapeError('tensor', `ragged nested array: a number ${where()} where an array of ${shape[axis]} was expected (shape ${formatShape(shape)})`);
      throw new ValueError('tensor', `non-numeric value ${describeValue(v)} ${where()}`);
    }
    if (v.length !== shape[axis]) {
      throw new ShapeError('tensor', `ragged nested array: ${v.length} entr${v.length === 1 ? 'y' : 'ies'} ${where()}, expected ${shape[axis]} (shape ${formatShape(shape)})`);
    }
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      walk(v[i]!, axis + 1);
      path.pop();
    }
  };
  walk(values, 0);
}

/** The requested shape, checked against the number of values. */
function reshaped(count: number, shape: readonly number[] | undefined, natural: readonly number[]): readonly number[] {
  if (shape === undefined) return natural;
  const s = checkShape(shape, 'tensor');
  if (sizeOf(s) !== count) throw new ShapeError('tensor', `${count} value${count === 1 ? '' : 's'} cannot fill shape ${formatShape(s)} (${sizeOf(s)} elements)`);
  return s;
}

/**
 * A tensor from a number, nested arrays, a flat array / typed array (1-d, or `{ shape }`), or another
 * tensor. Values are always copied into a fresh Float64Array.
 */
export function tensor(values: NestedArray | ArrayLike<number> | Tensor, options: CreationOptions = {}): Tensor {
  options = creatorOptions(options, 'tensor');
  if (values instanceof Tensor) {
    checkSize('tensor', values.shape);
    return make(values.data.slice(), reshaped(values.size, options.shape, values.shape), options);
  }
  if (typeof values === 'number') return make(new Float64Array([values]), reshaped(1, options.shape, []), options);
  if (Array.isArray(values)) {
    const natural = inferShape(values);
    const data = allocate(natural, 'tensor');
    fill(values, natural, data);
    return make(data, reshaped(data.length, options.shape, natural), options);
  }
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const flat = values as unknown as ArrayLike<unknown>;
    const data = allocate([flat.length], 'tensor');
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i];
      if (typeof v !== 'number') throw new ValueError('tensor', `non-numeric value ${describeValue(v)} at flat index ${i}`);
      data[i] = v;
    }
    return make(data, reshaped(data.length, options.shape, [data.length]), options);
  }
  throw new ValueError('tensor', `cannot make a tensor from ${describeValue(values)}: pass a number, nested arrays, a typed array or a tensor`);
}

/**
 * The shape argument of a creator, checked before its options: PyTorch's varargs (`zeros(2, 3)`, which
 * would otherwise be read as shape 2 with options 3) are refused with the array form to write instead.
 */
function shapeArgument(op: string, args: ArrayLike<unknown>): number[] {
  const dims: number[] = [];
  for (let i = 0; i < args.length && typeof args[i] === 'number'; i++) dims.push(args[i] as number);
  if (dims.length > 0) {
    const list = dims.join(', ');
    throw new ShapeError(op, `shape must be an array such as [${list}]: ${op}([${list}]), not ${op}(${list})`);
  }
  return checkShape(args[0], op);
}

export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  // Not shapeArgument: in full(2, 3) the 3 is the fill value, not a dimension.
  const s = checkShape(shape, 'full');
  options = creatorOptions(options, 'full');
  if (typeof value !== 'number') throw new ValueError('full', `the fill value must be a number, got ${describeValue(value)}`);
  return make(allocate(s, 'full').fill(value), s, options);
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  // eslint-disable-next-line prefer-rest-params
  const s = shapeArgument('zeros', arguments);
  options = creatorOptions(options, 'zeros');
  return make(allocate(s, 'zeros'), s, options);
}

export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  // eslint-disable-next-line prefer-rest-params
  const s = shapeArgument('ones', arguments);
  options = creatorOptions(options, 'ones');
  return make(allocate(s, 'ones').fill(1), s, options);
}

export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  options = creatorOptions(options, 'zerosLike');
  if (!(t instanceof Tensor)) throw new ValueError('zerosLike', `expected a Tensor, got ${describeValue(t)}`);
  return zeros(t.shape, options);
}

export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  options = creatorOptions(options, 'onesLike');
  if (!(t instanceof Tensor)) throw new ValueError('onesLike', `expected a Tensor, got ${describeValue(t)}`);
  return ones(t.shape, options);
}

/** Values from `start` (inclusive) to `stop` (exclusive) by `step`, as NumPy's arange; `arange(n)` is 0..n-1. */
export function arange(start: number, stop?: number, step = 1, options: TensorOptions = {}): Tensor {
  options = creatorOptions(options, 'arange');
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) {
    throw new ValueError('arange', `start ${start}, stop ${stop} and step ${step} must be finite, with a non-zero step`);
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocate([n], 'arange');
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return make(data, [n], options);
}

/** `num` evenly spaced values from `start` to `stop`, both included (NumPy's linspace). */
export function linspace(start: number, stop: number, num = 50, options: TensorOptions = {}): Tensor {
  options = creatorOptions(options, 'linspace');
  if (!Number.isInteger(num) || num < 0) throw new ValueError('linspace', `num must be a non-negative integer, got ${num}`);
  // NumPy would fill NaNs (and warn); a NaN or infinite end is a mistake here, as in arange.
  if (typeof start !== 'number' || typeof stop !== 'number' || !Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new ValueError('linspace', `start and stop must be finite numbers, got ${describeValue(start)} and ${describeValue(stop)}`);
  }
  const data = allocate([num], 'linspace');
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (num > 1) data[num - 1] = stop;
  return make(data, [num], options);
}

/** The n x m identity (m defaults to n). */
export function eye(n: number, m: number = n, options: TensorOptions = {}): Tensor {
  options = creatorOptions(options, 'eye');
  const s = checkShape([n, m], 'eye');
  const data = allocate(s, 'eye');
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return make(data, s, options);
}

/** Uniform values in [low, high) (default [0, 1)). */
export function rand(shape: readonly number[], options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  // eslint-disable-next-line prefer-rest-params
  const s = shapeArgument('rand', arguments);
  options = creatorOptions(options, 'rand');
  const rng = randomFor(options.seed, 'rand');
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw new ValueError('rand', `low and high must be finite numbers, got ${String(low)} and ${String(high)}`);
  const data = allocate(s, 'rand');
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.uniform();
  return make(data, s, options);
}

/** Normal values with mean `mean` and standard deviation `std` (default 0 and 1). */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  // eslint-disable-next-line prefer-rest-params
  const s = shapeArgument('randn', arguments);
  options = creatorOptions(options, 'randn');
  const rng = randomFor(options.seed, 'randn');
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) throw new ValueError('randn', `mean must be finite and std finite and >= 0, got ${String(mean)} and ${String(std)}`);
  const data = allocate(s, 'randn');
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  return make(data, s, options);
}

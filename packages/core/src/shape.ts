import { ShapeError, describeValue } from './errors.js';

export type Shape = readonly number[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * The most values one tensor may hold: 2^30 float64 values, 8 GiB. Every creator and every op checks
 * the size of what it is about to allocate against it (checkSize), so that a shape too large is a
 * ShapeError naming the op, not a RangeError from the allocator or a machine out of memory (an
 * allocation below the limit can still fail: then the same message ends in "out of memory").
 */
export const MAX_SIZE = 2 ** 30;

/** The most dimensions a shape may have: NumPy's limit (NPY_MAXDIMS), also that of `.npy` files. */
export const MAX_NDIM = 64;

/** Number of elements of a shape; [] (a scalar) holds one. */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major (C order) strides of a contiguous array of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Throws a ShapeError naming `op` when a tensor of `shape` would hold more than MAX_SIZE values; returns
 * its size. The one size check of the creators and of every op, called before allocating.
 */
export function checkSize(op: string, shape: Shape): number {
  const size = sizeOf(shape);
  if (size > MAX_SIZE) throw new ShapeError(op, `${cannotAllocate(size, shape)}: more than the ${MAX_SIZE} (2^30) values a tensor may hold (8 GiB)`);
  return size;
}

/** 'cannot allocate N float64 values (B bytes) for shape [...]', the start of every size error. */
export function cannotAllocate(size: number, shape: Shape): string {
  // A size past 2^53 is not exact as a double: count it exactly (dimensions are integers).
  const count = Number.isSafeInteger(size) ? String(size) : shape.reduce((p, d) => p * BigInt(d), 1n).toString();
  let shown = count;
  if (count.length > 24) {
    let mantissa = Number(`${count[0]}.${count.slice(1, 16)}`);
    let exponent = count.length - 1;
    if (mantissa.toFixed(2) === '10.00') [mantissa, exponent] = [1, exponent + 1];
    shown = `${mantissa.toFixed(2)}e+${exponent}`;
  }
  const bytes = Number.isFinite(size * 8) ? ` (${formatBytes(size * 8)})` : '';
  return `cannot allocate ${shown} float64 values${bytes} for shape ${formatShape(shape)}`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
  let u = 0;
  while (bytes >= 1024 && u < units.length - 1) {
    bytes /= 1024;
    u++;
  }
  return `${bytes.toPrecision(3)} ${units[u]}`;
}

/**
 * The first axis along which a view repeats one storage element (stride 0, length > 1: a broadcast),
 * or -1. Writing through such a view is refused (see Tensor.mutate), as PyTorch refuses it.
 */
export function broadcastAxis(shape: Shape, strides: readonly number[]): number {
  if (shape.includes(0)) return -1;
  for (let i = 0; i < shape.length; i++) if (strides[i] === 0 && shape[i]! > 1) return i;
  return -1;
}

/** Throws unless every dimension is a finite non-negative integer (and there are at most MAX_NDIM). */
export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape)) {
    const example = typeof shape === 'number' && Number.isInteger(shape) && shape >= 0 ? `[${shape}]` : '[2, 3]';
    throw new ShapeError(op, `shape must be an array such as ${example}, got ${describeValue(shape)}`);
  }
  if (shape.length > MAX_NDIM) throw new ShapeError(op, `a shape has at most ${MAX_NDIM} dimensions (NumPy's limit), got ${shape.length}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `invalid dimension ${String(d)} in shape [${shape.map(String).join(', ')}]: dimensions are non-negative integers`);
    }
  }
  return shape.slice() as number[];
}

/** NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  for (const shape of shapes) if (!Array.isArray(shape)) throw new ShapeError(op, `expected shapes (arrays of dimensions), got ${String(shape)}`);
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const shape of shapes) {
    const lead = ndim - shape.length;
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i]!;
      const o = out[lead + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[lead + i] = d;
      else throw new ShapeError(op, `shapes ${shapes.map(formatShape).join(' and ')} cannot be broadcast together (dimension ${i - shape.length} is ${o} vs ${d})`);
    }
  }
  return out;
}

/** Normalizes a possibly negative axis into [0, ndim). */
export function normalizeAxis(axis: number, ndim: number, op: string): number {
  if (Array.isArray(axis)) throw new ShapeError(op, `a single axis is expected here, got the list ${describeValue(axis)}`);
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new ShapeError(op, `axis must be an integer, got ${describeValue(axis)}`);
  // A 0-d tensor has no axis: every value fails one of the two bounds.
  if (axis < -ndim || axis >= ndim) {
    throw new ShapeError(op, `axis ${axis} is out of range for a tensor with ${ndim} dimension${ndim === 1 ? '' : 's'}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalizes `axis` (undefined = all axes, a number, or a list) into a sorted list of distinct axes. */
export function normalizeAxes(axis: number | readonly number[] | undefined | null, ndim: number, op: string): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  if (typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new ShapeError(op, `axis must be a number, a list of numbers or null, got ${describeValue(axis)}`);
  }
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(a, ndim, op));
  if (new Set(out).size !== out.length) throw new ShapeError(op, `repeated axis in ${describeValue(list)}`);
  return out.sort((a, b) => a - b);
}

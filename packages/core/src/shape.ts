import { ShapeError, describeValue } from './errors.js';

export type Shape = readonly number[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

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

/** Throws unless every dimension is a finite non-negative integer. */
export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape)) {
    const example = typeof shape === 'number' && Number.isInteger(shape) && shape >= 0 ? `[${shape}]` : '[2, 3]';
    throw new ShapeError(op, `shape must be an array such as ${example}, got ${describeValue(shape)}`);
  }
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
    throw new ShapeError(op, `axis must be a number, a list of numbers or null, got ${typeof axis === 'object' ? (axis as object).constructor?.name ?? 'an object' : typeof axis}`);
  }
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(a, ndim, op));
  if (new Set(out).size !== out.length) throw new ShapeError(op, `repeated axis in ${describeValue(list)}`);
  return out.sort((a, b) => a - b);
}

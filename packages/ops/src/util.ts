import { Tensor, ValueError, fromData } from '@tensorgrad/core';

/** Anything an op accepts where a tensor goes: a plain number becomes a 0-d tensor. */
export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return fromData(new Float64Array([x]), []);
  const got = x === null ? 'null' : Array.isArray(x) ? 'an Array (wrap nested arrays with tensor(...))' : typeof x;
  throw new ValueError(op, `expected a Tensor or a number, got ${got}`);
}

/**
 * Writes the contiguous values `src` (of `shape`) into `dst` at the strided positions
 * `offset + Σ index[i] * strides[i]`; adds instead of overwriting when `accumulate`.
 */
export function scatterStrided(dst: Float64Array, offset: number, strides: readonly number[], shape: readonly number[], src: Float64Array, accumulate = false): void {
  const nd = shape.length;
  if (nd === 0) {
    dst[offset] = accumulate ? dst[offset]! + src[0]! : src[0]!;
    return;
  }
  const size = src.length;
  if (size === 0) return;
  const inner = shape[nd - 1]!;
  const step = strides[nd - 1]!;
  const index = new Array<number>(nd).fill(0);
  let o = offset;
  for (let base = 0; base < size; base += inner) {
    if (accumulate) for (let j = 0; j < inner; j++) dst[o + j * step] += src[base + j]!;
    else for (let j = 0; j < inner; j++) dst[o + j * step] = src[base + j]!;
    for (let axis = nd - 2; axis >= 0; axis--) {
      o += strides[axis]!;
      if (++index[axis]! < shape[axis]!) break;
      o -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
}

/**
 * The values of a strided tensor in row-major order, in a fresh array. A 2-d view (a transposed
 * matrix, typically) is copied in 32 x 32 tiles, so that both the reads and the writes stay in cache;
 * other ranks walk rows with an odometer.
 */
export function contiguousValues(t: Tensor): Float64Array {
  const out = new Float64Array(t.size);
  const nd = t.nd;
  const data = nd.data;
  const shape = t.shape;
  const strides = nd.stride;
  if (out.length === 0) return out;
  if (shape.length === 2) {
    const [rows, cols] = shape as [number, number];
    const [rs, cs] = strides as [number, number];
    const TILE = 32;
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
  if (shape.length === 0) {
    out[0] = data[nd.offset]!;
    return out;
  }
  const rank = shape.length;
  const inner = shape[rank - 1]!;
  const step = strides[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  let src = nd.offset;
  for (let base = 0; base < out.length; base += inner) {
    for (let j = 0; j < inner; j++) out[base + j] = data[src + j * step]!;
    for (let axis = rank - 2; axis >= 0; axis--) {
      src += strides[axis]!;
      if (++index[axis]! < shape[axis]!) break;
      src -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

/** keepDims must be a boolean (undefined means false): a truthy string or number is a caller's mix-up. */
export function checkKeepDims(keepDims: unknown, op: string): boolean {
  if (keepDims === undefined) return false;
  if (typeof keepDims !== 'boolean') throw new ValueError(op, `keepDims must be true or false, got ${typeof keepDims === 'string' ? `'${keepDims}'` : String(keepDims)}`);
  return keepDims;
}

/** A function argument of a transform (grad, vjp, gradcheck): core's check, under the name ops code imports. */
export { checkFunction } from '@tensorgrad/core';

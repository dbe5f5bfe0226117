import { contiguousStrides, normalizeAxis, type Shape } from '@tensorgrad/core';
import { newStorage } from '../kernels/backend.js';

/**
 * A contiguous tensor seen as [outer, n, inner] around one axis: entry k of lane (o, i) along the axis
 * sits at o·n·inner + k·inner + i. For the last axis inner = 1, so each lane is a contiguous row.
 * `at` is the axis normalized (negative counts from the end), with errors naming `op`.
 */
export function lanes(shape: Shape, axis: number, op: string): { at: number; outer: number; n: number; inner: number } {
  const at = normalizeAxis(axis, shape.length, op);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < at; i++) outer *= shape[i]!;
  for (let i = at + 1; i < shape.length; i++) inner *= shape[i]!;
  return { at, outer, n: shape[at]!, inner };
}

/**
 * Strides that map an input index of `shape` to its slot in the keepDims output of a reduction over
 * `axes`: the output's own strides along kept axes, 0 along reduced ones.
 */
export function reducedStrides(shape: Shape, axes: readonly number[]): { kept: number[]; strides: number[] } {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const own = contiguousStrides(kept);
  return { kept, strides: shape.map((_, i) => (axes.includes(i) ? 0 : own[i]!)) };
}

/**
 * Walks a contiguous input of `shape` row by row (rows along the last axis) and calls
 * `visit(base, oo)` with the row's flat start and its output offset under `strides`. One call per
 * row, so the per-element loop stays in the caller as plain code.
 */
export function forEachRow(shape: Shape, strides: readonly number[], visit: (base: number, oo: number) => void): void {
  const nd = shape.length;
  if (nd === 0) {
    visit(0, 0);
    return;
  }
  let size = 1;
  for (const d of shape) size *= d;
  if (size === 0) return;
  const inner = shape[nd - 1]!;
  const index = new Array<number>(nd).fill(0);
  let oo = 0;
  for (let base = 0; base < size; base += inner) {
    visit(base, oo);
    for (let axis = nd - 2; axis >= 0; axis--) {
      oo += strides[axis]!;
      if (++index[axis]! < shape[axis]!) break;
      oo -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
}

/**
 * Copies values `g` laid out in the keepDims shape of a reduction back along the reduced axes, into a
 * fresh contiguous array of `shape` (`strides` from reducedStrides): the backward of sum and mean.
 */
export function expandReduced(g: Float64Array, shape: Shape, strides: readonly number[]): Float64Array {
  let size = 1;
  for (const d of shape) size *= d;
  const o = newStorage(size);
  if (g.length === 1) return o.fill(g[0]!);
  const nd = shape.length;
  const inner = shape[nd - 1]!;
  const step = strides[nd - 1]!;
  forEachRow(shape, strides, (base, oo) => {
    if (step === 0) o.fill(g[oo]!, base, base + inner);
    else for (let j = 0; j < inner; j++) o[base + j] = g[oo + j]!;
  });
  return o;
}

/**
 * The largest entry of each lane of a reduction of the contiguous values `d` of `shape` (`strides` from
 * reducedStrides, `size` output slots). NaN wins, as in NumPy's max (`v !== v`); a zero-size lane gives
 * -Infinity. With `magnitude`, the largest |x| (0 for a zero-size lane): norm's Infinity result and the
 * scale of its 2-norm.
 */
export function laneMax(d: Float64Array, shape: Shape, strides: readonly number[], size: number, magnitude = false): Float64Array {
  const m = new Float64Array(size).fill(magnitude ? 0 : -Infinity);
  const nd = shape.length;
  const inner = nd === 0 ? 1 : shape[nd - 1]!;
  const step = nd === 0 ? 0 : strides[nd - 1]!;
  forEachRow(shape, strides, (base, oo) => {
    if (step === 0) {
      // The row is one lane (the last axis is reduced): keep its max in a local, not in m.
      let best = m[oo]!;
      for (let j = 0; j < inner; j++) {
        const v = magnitude ? Math.abs(d[base + j]!) : d[base + j]!;
        if (v > best || v !== v) best = v;
      }
      m[oo] = best;
    } else {
      for (let j = 0; j < inner; j++) {
        const v = magnitude ? Math.abs(d[base + j]!) : d[base + j]!;
        const k = oo + j * step;
        if (v > m[k]! || v !== v) m[k] = v;
      }
    }
  });
  return m;
}

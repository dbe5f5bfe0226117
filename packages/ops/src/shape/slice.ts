import { ShapeError, ValueError, contiguousStrides, defineOp, formatShape, fromData, record, scatterInto, viewOf, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { scatterRecorded } from './positions.js';
import { newStorage } from '../kernels/backend.js';

/**
 * How to cut one axis, as in NumPy's `x[...]`: a number picks one index (negative counts from the end)
 * and drops the axis; `null` keeps the whole axis; `[start, stop, step]` (each optional or null) is a
 * Python slice `start:stop:step`, clamped to the axis, with negative indices and steps allowed.
 */
export type SliceSpec = number | null | undefined | readonly [start?: number | null, stop?: number | null, step?: number | null];

interface AxisCut {
  start: number;
  step: number;
  length: number;
  keep: boolean;
}

function cutAxis(spec: SliceSpec, n: number, axis: number, shape: readonly number[]): AxisCut {
  const where = `axis ${axis} of a tensor of shape ${formatShape(shape)}`;
  if (spec === null || spec === undefined) return { start: 0, step: 1, length: n, keep: true };
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec)) throw new ValueError('slice', `index ${spec} is not an integer (${where})`);
    if (spec < -n || spec >= n) throw new ShapeError('slice', `index ${spec} is out of range for ${where} (length ${n})`);
    return { start: spec < 0 ? spec + n : spec, step: 1, length: 1, keep: false };
  }
  if (!Array.isArray(spec) || spec.length > 3) throw new ValueError('slice', `a slice is [start, stop, step], got ${JSON.stringify(spec)} for ${where}`);
  const [rawStart, rawStop, rawStep] = spec as readonly (number | null | undefined)[];
  const step = rawStep ?? 1;
  for (const v of [rawStart, rawStop, step]) {
    if (v !== null && v !== undefined && !Number.isInteger(v)) throw new ValueError('slice', `slice bounds must be integers, got ${JSON.stringify(spec)} for ${where}`);
  }
  if (step === 0) throw new ValueError('slice', `slice step cannot be zero (${where})`);
  // Python's slice.indices(): negative bounds count from the end, then clamp to the axis.
  const clamp = (v: number, low: number, high: number): number => Math.min(Math.max(v, low), high);
  if (step > 0) {
    const start = rawStart == null ? 0 : clamp(rawStart < 0 ? rawStart + n : rawStart, 0, n);
    const stop = rawStop == null ? n : clamp(rawStop < 0 ? rawStop + n : rawStop, 0, n);
    return { start, step, length: Math.max(0, Math.ceil((stop - start) / step)), keep: true };
  }
  const start = rawStart == null ? n - 1 : clamp(rawStart < 0 ? rawStart + n : rawStart, -1, n - 1);
  const stop = rawStop == null ? -1 : clamp(rawStop < 0 ? rawStop + n : rawStop, -1, n - 1);
  const length = Math.max(0, Math.ceil((start - stop) / -step));
  return { start: length === 0 ? 0 : start, step, length, keep: true };
}

/**
 * NumPy-style basic slicing, one spec per leading axis (missing trailing specs keep their axes):
 * `slice(x, [null, [1, 3]])` is `x[:, 1:3]`, `slice(x, [0])` is `x[0]`, `slice(x, [[null, null, -1]])`
 * is `x[::-1]`. The result is a strided view (no copy) sharing storage with `x`.
 */
export const slice = defineOp('slice', (a: TensorLike, specs: readonly SliceSpec[]): Tensor => {
  const x = asTensor(a, 'slice');
  if (!Array.isArray(specs)) throw new ValueError('slice', `expected a list of per-axis specs, got ${String(specs)}`);
  if (specs.length > x.ndim) {
    throw new ShapeError('slice', `${specs.length} specs for a tensor of shape ${formatShape(x.shape)} with ${x.ndim} dimension${x.ndim === 1 ? '' : 's'}`);
  }
  const cuts = x.shape.map((n, i) => cutAxis(specs[i], n, i, x.shape));
  const geometry = (strides: readonly number[], offset: number): { shape: number[]; strides: number[]; offset: number } => {
    const shape: number[] = [];
    const out: number[] = [];
    cuts.forEach((c, i) => {
      offset += c.start * strides[i]!;
      if (c.keep) {
        shape.push(c.length);
        out.push(c.step * strides[i]!);
      }
    });
    return { shape, strides: out, offset };
  };
  const g = geometry(x.nd.stride, x.nd.offset);
  const y = viewOf(x, g.shape, g.strides, g.offset);
  // The backward of a slice writes the upstream gradient into the sliced positions of a zero tensor.
  return record('slice', [x], y, (dy) => {
    const dx = newStorage(x.size);
    const d = geometry(contiguousStrides(x.shape), 0);
    scatterInto({ data: dx, shape: d.shape, stride: d.strides, offset: d.offset }, dy.data);
    return [fromData(dx, x.shape)];
  }, [], (dy) => {
    // Where each entry of the slice sits in a row-major x.
    const d = geometry(contiguousStrides(x.shape), 0);
    const index = fromData(Float64Array.from({ length: x.size }, (_, i) => i), x.shape);
    const positions = Int32Array.from(viewOf(index, d.shape, d.strides, d.offset).data);
    return [scatterRecorded('slice', dy, positions, x.shape)];
  });
});

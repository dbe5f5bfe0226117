import ndarray from 'ndarray';
import type { NdArray } from 'ndarray';

/**
 * The fallback view for pages under a strict Content-Security-Policy. Tensors are normally viewed through
 * the `ndarray` package itself, but `ndarray()` compiles one view class per number of dimensions with
 * `new Function`, which a CSP without 'unsafe-eval' refuses, so no tensor could be created there. This
 * class has the same fields and methods (data, shape, stride, offset, get/set/index, lo/hi/step/transpose/
 * pick, order) in plain code; its methods follow ndarray 1.1's generated ones, including their argument
 * conventions (a non-number or negative argument to lo/hi/pick leaves that axis alone).
 */
export class StridedView implements NdArray<Float64Array> {
  data: Float64Array;
  shape: number[];
  stride: number[];
  offset: number;

  constructor(data: Float64Array, shape: number[], stride: number[], offset: number) {
    this.data = data;
    this.shape = shape;
    this.stride = stride;
    this.offset = offset | 0;
  }

  get dtype(): 'float64' {
    return 'float64';
  }

  get dimension(): number {
    return this.shape.length;
  }

  get size(): number {
    let size = 1;
    for (const d of this.shape) size *= d;
    return size;
  }

  /** Axes from the smallest to the largest |stride| (ndarray's loop-order hint). */
  get order(): number[] {
    const s = this.stride;
    return s.map((_, i) => i).sort((a, b) => Math.abs(s[a]!) - Math.abs(s[b]!));
  }

  index(...indices: number[]): number {
    let position = this.offset;
    for (let i = 0; i < this.stride.length; i++) position += this.stride[i]! * indices[i]!;
    return position;
  }

  get(...indices: number[]): number {
    return this.data[this.index(...indices)]!;
  }

  /** `set(i0, ..., value)`: the last argument is the value. */
  set(...args: number[]): number {
    const value = args[this.shape.length]!;
    this.data[this.index(...args)] = value;
    return value;
  }

  /** Cuts each axis to its first `n` entries (`hi(2, null)`). */
  hi(...ends: (number | null | undefined)[]): StridedView {
    const shape = this.shape.map((d, i) => {
      const n = ends[i];
      return typeof n !== 'number' || n < 0 ? d : n | 0;
    });
    return new StridedView(this.data, shape, this.stride.slice(), this.offset);
  }

  /** Starts each axis at `n` (`lo(1, null)`). */
  lo(...starts: (number | null | undefined)[]): StridedView {
    let offset = this.offset;
    const shape = this.shape.slice();
    for (let i = 0; i < shape.length; i++) {
      const n = starts[i];
      if (typeof n === 'number' && n >= 0) {
        offset += this.stride[i]! * (n | 0);
        shape[i]! -= n | 0;
      }
    }
    return new StridedView(this.data, shape, this.stride.slice(), offset);
  }

  /** Takes every `k`-th entry of each axis (a negative `k` walks it backwards). */
  step(...steps: (number | null | undefined)[]): StridedView {
    let offset = this.offset;
    const shape = this.shape.slice();
    const stride = this.stride.slice();
    for (let i = 0; i < shape.length; i++) {
      const k = steps[i];
      if (typeof k !== 'number') continue;
      const d = k | 0;
      if (d < 0) {
        offset += stride[i]! * (shape[i]! - 1);
        shape[i] = Math.ceil(-shape[i]! / d);
      } else {
        shape[i] = Math.ceil(shape[i]! / d);
      }
      stride[i]! *= d;
    }
    return new StridedView(this.data, shape, stride, offset);
  }

  /** Permutes the axes: `transpose(1, 0)`; a missing argument keeps its axis in place. */
  transpose(...axes: (number | undefined)[]): StridedView {
    const perm = this.shape.map((_, i) => (axes[i] === undefined ? i : axes[i]! | 0));
    return new StridedView(this.data, perm.map((p) => this.shape[p]!), perm.map((p) => this.stride[p]!), this.offset);
  }

  get T(): StridedView {
    return this.transpose(...this.shape.map((_, i) => this.shape.length - 1 - i));
  }

  /** Fixes the axes given a non-negative index and drops them (`pick(null, 2)` is column 2). */
  pick(...indices: (number | null | undefined)[]): StridedView {
    const shape: number[] = [];
    const stride: number[] = [];
    let offset = this.offset;
    for (let i = 0; i < this.shape.length; i++) {
      const n = indices[i];
      if (typeof n === 'number' && n >= 0) offset = (offset + this.stride[i]! * n) | 0;
      else {
        shape.push(this.shape[i]!);
        stride.push(this.stride[i]!);
      }
    }
    return new StridedView(this.data, shape, stride, offset);
  }
}

/** Whether this runtime lets `ndarray` compile its view classes (false under a strict CSP). */
const ndarrayCompiles: boolean = (() => {
  try {
    ndarray(new Float64Array(1), [1]);
    return true;
  } catch {
    return false;
  }
})();

/**
 * `ndarray(data, shape, stride?, offset?)` for float64 data: a real scijs ndarray, or the plain-code
 * StridedView where code generation is refused. Defaults as ndarray's: row-major strides, and an offset
 * that puts index 0 of a negative-stride axis at its end.
 */
export function stridedView(data: Float64Array, shape: readonly number[], stride?: readonly number[], offset?: number): NdArray<Float64Array> {
  const view = plainStridedView(data, shape, stride, offset);
  return ndarrayCompiles ? ndarray(view.data, view.shape, view.stride, view.offset) : view;
}

/** The same view as a StridedView, whatever the runtime allows. */
export function plainStridedView(data: Float64Array, shape: readonly number[], stride?: readonly number[], offset?: number): StridedView {
  const d = shape.length;
  let strides: number[];
  if (stride === undefined) {
    strides = new Array<number>(d);
    let size = 1;
    for (let i = d - 1; i >= 0; i--) {
      strides[i] = size;
      size *= shape[i]!;
    }
  } else {
    strides = stride.slice();
  }
  let start = offset;
  if (start === undefined) {
    start = 0;
    for (let i = 0; i < d; i++) if (strides[i]! < 0) start -= (shape[i]! - 1) * strides[i]!;
  }
  return new StridedView(data, shape.slice(), strides, start);
}

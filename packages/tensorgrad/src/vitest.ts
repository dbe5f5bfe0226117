// 'tensorgrad/vitest': tensor matchers for vitest. Import it once, from a setup file
// (`test: { setupFiles: ['tensorgrad/vitest'] }` in vitest.config.ts) or at the top of a test file:
//
//   expect(y).toBeCloseToTensor(tensor([0.1, 0.2]), { rtol: 1e-6, atol: 1e-9 });
//   expect(W.grad).toHaveShape([3, 4]);
//
// Plain toEqual/toStrictEqual compare tensors by shape and values without it (a tensor's own
// enumerable properties are its values and shape); importing this makes that comparison a tight loop
// instead of vitest's element-by-element walk, same result. vitest is an optional peer dependency of
// 'tensorgrad': only this entry imports it.
import { expect } from 'vitest';
import { Tensor, describeValue, formatShape, shapesEqual } from '@tensorgrad/core';
import { NotCloseError, assertClose, type CloseOptions, type Comparable } from '@tensorgrad/ops';

interface TensorMatchers<R = unknown> {
  /**
   * The received tensor is close to `expected` (a tensor, a number or nested arrays), as
   * `assertClose` (PyTorch's `torch.testing.assert_close`): same shape, and every
   * |received - expected| <= atol + rtol·|expected|. Defaults rtol 1e-7, atol 1e-7 (give both or
   * neither); `equalNan` to count NaN against NaN as close. The failure names the first mismatch.
   */
  toBeCloseToTensor(expected: Comparable, options?: CloseOptions): R;
  /** The received tensor has this shape. */
  toHaveShape(shape: readonly number[]): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends TensorMatchers<T> {}
}

/**
 * The tensor a matcher received: the tensor itself, or the one a deep copy of a tensor describes. vitest
 * runs an asymmetric matcher (`expect.toBeCloseToTensor` inside toEqual's expected object) a second
 * time, on its copy of the received value, to build a failing comparison's diff; such a copy has the
 * prototype of Tensor but not its internals. Null for anything else.
 */
function asTensor(value: unknown): Tensor | null {
  return Tensor.isTensor(value) ? value : Tensor.fromCopy(value);
}

/** How a received value that is not a tensor is named in a failure. */
function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return describeValue(value);
  return `${typeof value} ${String(value)}`;
}

/** A tensor on one line: the first values and the shape, for matcher messages. */
function show(value: unknown): string {
  const t = asTensor(value);
  if (t === null) {
    // An expected value given as nested arrays or a number (assertClose converts it with tensor()).
    if (typeof value === 'number' || Array.isArray(value)) return oneLine(JSON.stringify(value), null);
    return describeReceived(value);
  }
  return oneLine(t.toString(), t.shape);
}

function oneLine(text: string, shape: readonly number[] | null): string {
  const line = text.replace(/\n\s*/g, ' ');
  if (line.length <= 120) return line;
  return `${line.slice(0, line.lastIndexOf(',', 100) + 1)} …${shape ? `, shape=${formatShape(shape)})` : ''}`;
}

const tuple = (index: readonly number[]): string => (index.length === 1 ? `(${index[0]},)` : `(${index.join(', ')})`);

/** The matchers, for `expect.extend` (importing this module already registers them with vitest's expect). */
export const tensorMatchers = {
  toBeCloseToTensor(this: { isNot: boolean }, value: unknown, expected: Comparable, options?: CloseOptions) {
    const received = asTensor(value);
    if (received === null) {
      return { pass: false, message: () => `expected a Tensor to compare with ${show(expected)}, received ${describeReceived(value)}` };
    }
    const target = asTensor(expected) ?? expected; // vitest's diff copies the matcher with its tensor
    const relation = `${show(received)} ${this.isNot ? 'not ' : ''}to be close to ${show(target)}`;
    try {
      assertClose(received, target, options);
    } catch (error) {
      if (!(error instanceof NotCloseError)) throw error; // a bad option or argument is the test's error
      const first = error.report?.first;
      const detail = first ? `\nFirst mismatch at index ${tuple(first.index)}: received ${first.actual}, expected ${first.expected}` : '';
      return { pass: false, message: () => `expected ${relation}\n\n${error.message.replace(/^assertClose: /, '')}${detail}` };
    }
    return { pass: true, message: () => `expected ${relation}` };
  },

  toHaveShape(this: { isNot: boolean }, value: unknown, shape: readonly number[]) {
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new TypeError(`toHaveShape: the expected shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const received = asTensor(value);
    if (received === null) {
      return { pass: false, message: () => `expected a Tensor of shape ${formatShape(shape)}, received ${describeReceived(value)}` };
    }
    const actual = received.shape;
    const pass = shapesEqual(actual, shape);
    const axis = actual.findIndex((n, i) => n !== shape[i]);
    const where =
      actual.length !== shape.length
        ? ` (${actual.length} dimension${actual.length === 1 ? '' : 's'}, not ${shape.length})`
        : axis >= 0
          ? ` (axis ${axis}: ${actual[axis]}, not ${shape[axis]})`
          : '';
    return {
      pass,
      message: () =>
        pass
          ? `expected ${show(received)} not to have shape ${formatShape(shape)}`
          : `expected ${show(received)} to have shape ${formatShape(shape)}, but its shape is ${formatShape(actual)}${where}`,
      actual: [...actual],
      expected: [...shape],
    };
  },
};

/**
 * toEqual's comparison of two tensors, as a loop: same shape and the same values (as vitest compares
 * numbers: NaN equals NaN, -0 differs from 0). Anything else is left to vitest (undefined).
 */
export function tensorEquality(a: unknown, b: unknown): boolean | undefined {
  if (!Tensor.isTensor(a) || !Tensor.isTensor(b)) return undefined;
  if (!shapesEqual(a.shape, b.shape)) return false;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

expect.extend(tensorMatchers);
expect.addEqualityTesters([tensorEquality]);

import { Tensor, TensorgradError, ShapeError, ValueError, checkOptions, describeValue, formatShape, shapesEqual, tensor, type NestedArray, type OptionSpec } from '@tensorgrad/core';

/** What the comparisons take: a tensor, a number (a 0-d tensor) or nested arrays of numbers. */
export type Comparable = Tensor | number | NestedArray;

export interface CloseOptions {
  /** Relative tolerance: entries match when |actual - expected| <= atol + rtol·|expected|. */
  rtol?: number;
  /** Absolute tolerance. */
  atol?: number;
  /** Count NaN against NaN as a match (default false: NaN matches nothing, as in PyTorch). */
  equalNan?: boolean;
}

const CLOSE_OPTIONS: OptionSpec = { rtol: 'number', atol: 'number', equalNan: 'boolean' };

/** Where two tensors of one shape differ beyond the tolerance (indices are multi-indices). */
export interface CloseReport {
  /** Entries outside atol + rtol·|expected|, of `total`. */
  mismatched: number;
  total: number;
  /** Greatest |actual - expected| over the mismatched entries (NaN if one is NaN). */
  greatestAbsolute: { difference: number; index: number[] };
  /** Greatest |actual - expected| / |expected| over the mismatched entries. */
  greatestRelative: { difference: number; index: number[] };
  /** The first mismatched entry in row-major order. */
  first: { index: number[]; actual: number; expected: number };
}

/** A failed `assertClose`: the message is PyTorch's `torch.testing.assert_close` message. */
export class NotCloseError extends TensorgradError {
  /** The mismatch; null when the shapes differ (nothing was compared). */
  readonly report: CloseReport | null;
  constructor(message: string, report: CloseReport | null) {
    super('assertClose', message);
    this.report = report;
  }
}

/**
 * PyTorch's `torch.allclose`: whether every |a - b| <= atol + rtol·|b|. Defaults as PyTorch's:
 * rtol 1e-5, atol 1e-8. Infinities match only themselves; NaN matches nothing unless `equalNan`.
 * Unlike PyTorch it does not broadcast: tensors of different shapes are a ShapeError (an [n, 1]
 * against an [n] would compare n² pairs and can pass by accident).
 */
export function allclose(a: Comparable, b: Comparable, options: CloseOptions = {}): boolean {
  const { rtol, atol, equalNan } = closeSettings('allclose', options, 1e-5, 1e-8);
  const x = comparable(a, 'allclose', 'a');
  const y = comparable(b, 'allclose', 'b');
  if (!shapesEqual(x.shape, y.shape)) {
    throw new ShapeError('allclose', `a has shape ${formatShape(x.shape)} and b ${formatShape(y.shape)}; allclose compares entry by entry and does not broadcast (broadcastTo one of them first)`);
  }
  return compareClose(x, y, rtol, atol, equalNan) === null;
}

/**
 * PyTorch's `torch.testing.assert_close` for float64 tensors: throws a NotCloseError unless `actual`
 * and `expected` have the same shape and every |actual - expected| <= atol + rtol·|expected|. Defaults
 * as PyTorch's for float64: rtol 1e-7, atol 1e-7; give both tolerances or neither (as PyTorch: one alone
 * would silently keep the other's tiny default). The message is PyTorch's:
 *
 *     assertClose: Tensor-likes are not close!
 *
 *     Mismatched elements: 3 / 10 (30.0%)
 *     Greatest absolute difference: 0.25 at index (1, 2) (up to 1e-7 allowed)
 *     Greatest relative difference: 0.5 at index (1, 2) (up to 1e-7 allowed)
 *
 * `requiresGrad`, names and graphs are ignored, as PyTorch ignores requires_grad.
 */
export function assertClose(actual: Comparable, expected: Comparable, options: CloseOptions = {}): void {
  const given = options !== null && typeof options === 'object' ? options : {};
  if ((given.rtol === undefined) !== (given.atol === undefined)) {
    throw new ValueError('assertClose', `give both rtol and atol or neither (got only ${given.rtol === undefined ? 'atol' : 'rtol'}; PyTorch's rule: the other's default, 1e-7, would silently apply)`);
  }
  const { rtol, atol, equalNan } = closeSettings('assertClose', options, 1e-7, 1e-7);
  const x = comparable(actual, 'assertClose', 'actual');
  const y = comparable(expected, 'assertClose', 'expected');
  if (!shapesEqual(x.shape, y.shape)) {
    throw new NotCloseError(`The values for attribute 'shape' do not match: ${formatShape(x.shape)} != ${formatShape(y.shape)}.`, null);
  }
  const report = compareClose(x, y, rtol, atol, equalNan);
  if (report !== null) throw new NotCloseError(closeMessage(report, rtol, atol), report);
}

/**
 * Compares two tensors of one shape as PyTorch's isclose: equal entries match (infinities included),
 * NaN matches NaN only with `equalNan`, finite pairs match within atol + rtol·|expected|. Null when
 * all match; else the greatest differences over the mismatched entries only (a NaN difference counts
 * as the greatest, as torch.max takes it) and the first mismatch.
 */
function compareClose(x: Tensor, y: Tensor, rtol: number, atol: number, equalNan: boolean): CloseReport | null {
  const actual = x.data;
  const expected = y.data;
  let mismatched = 0;
  let maxAbs = 0;
  let maxAbsIndex = -1;
  let maxRel = 0;
  let maxRelIndex = -1;
  let firstIndex = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (a === b) continue;
    const nan = Number.isNaN(a) || Number.isNaN(b);
    if (nan && equalNan && Number.isNaN(a) && Number.isNaN(b)) continue;
    const abs = Math.abs(a - b);
    if (!nan && Number.isFinite(a) && Number.isFinite(b) && abs <= atol + rtol * Math.abs(b)) continue;
    mismatched++;
    if (firstIndex < 0) firstIndex = i;
    const rel = abs / Math.abs(b);
    // torch.max returns the first NaN: once the greatest is NaN it stays.
    if (maxAbsIndex < 0 || (!Number.isNaN(maxAbs) && !(abs <= maxAbs))) {
      maxAbs = abs;
      maxAbsIndex = i;
    }
    if (maxRelIndex < 0 || (!Number.isNaN(maxRel) && !(rel <= maxRel))) {
      maxRel = rel;
      maxRelIndex = i;
    }
  }
  if (mismatched === 0) return null;
  const shape = x.shape;
  return {
    mismatched,
    total: actual.length,
    greatestAbsolute: { difference: maxAbs, index: unravel(maxAbsIndex, shape) },
    greatestRelative: { difference: maxRel, index: unravel(maxRelIndex, shape) },
    first: { index: unravel(firstIndex, shape), actual: actual[firstIndex]!, expected: expected[firstIndex]! },
  };
}

/** Row-major flat index -> multi-index. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis]!;
    flat = Math.floor(flat / shape[axis]!);
  }
  return index;
}

/** A multi-index as Python prints a tuple, as PyTorch's messages show it: (), (4,), (1, 2). */
function formatIndex(index: readonly number[]): string {
  return index.length === 1 ? `(${index[0]},)` : `(${index.join(', ')})`;
}

/** PyTorch's wording, numbers as Python prints them (1e-07, 0.5, 1.0, nan, inf), so the two read alike. */
function closeMessage(report: CloseReport, rtol: number, atol: number): string {
  const equality = rtol === 0 && atol === 0;
  const allowed = (tolerance: number): string => (equality ? '' : ` (up to ${pythonFloat(tolerance)} allowed)`);
  const { greatestAbsolute: abs, greatestRelative: rel } = report;
  if (abs.index.length === 0) {
    // A 0-d tensor: PyTorch's message for scalars.
    return [
      `Scalars are not ${equality ? 'equal' : 'close'}!`,
      '',
      `Absolute difference: ${pythonFloat(abs.difference)}${allowed(atol)}`,
      `Relative difference: ${pythonFloat(rel.difference)}${allowed(rtol)}`,
    ].join('\n');
  }
  const percent = ((100 * report.mismatched) / report.total).toFixed(1);
  return [
    `Tensor-likes are not ${equality ? 'equal' : 'close'}!`,
    '',
    `Mismatched elements: ${report.mismatched} / ${report.total} (${percent}%)`,
    `Greatest absolute difference: ${pythonFloat(abs.difference)} at index ${formatIndex(abs.index)}${allowed(atol)}`,
    `Greatest relative difference: ${pythonFloat(rel.difference)} at index ${formatIndex(rel.index)}${allowed(rtol)}`,
  ].join('\n');
}

/**
 * Python's repr of a float: the shortest digits that round-trip (as JavaScript's), in scientific
 * notation below 1e-4 and from 1e16 on, with a two-digit exponent (1e-07) and '.0' on whole numbers.
 */
function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  const text = String(value);
  return text.includes('.') ? text : `${text}.0`;
}

/** The checked tolerances of `op`'s options. */
function closeSettings(op: string, options: CloseOptions, rtolDefault: number, atolDefault: number): Required<CloseOptions> {
  const { rtol = rtolDefault, atol = atolDefault, equalNan = false } = checkOptions(op, options, CLOSE_OPTIONS, '{ rtol: 1e-5, atol: 1e-8 }');
  for (const [key, value] of [['rtol', rtol], ['atol', atol]] as const) {
    if (!(value >= 0) || !Number.isFinite(value)) throw new ValueError(op, `${key} must be a finite non-negative number, got ${value}`);
  }
  return { rtol, atol, equalNan };
}

/** A tensor of `value`: tensors as they are, numbers and nested arrays through `tensor()`. */
function comparable(value: Comparable, op: string, role: string): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number' || Array.isArray(value)) return tensor(value);
  throw new ValueError(op, `${role} must be a Tensor, a number or nested arrays of numbers, got ${describeValue(value)}`);
}

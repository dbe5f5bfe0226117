import type { Tensor } from '@tensorgrad/core';

/** How numbers are printed on wires and in transcripts. */
export interface ValueFormat {
  /** Digits after the point (the lecture prints two). Default 2. */
  decimals?: number;
  /**
   * Tensors with more elements than this are summarized (shape, min, max, norm) instead of printed in full,
   * so that a diagram of a real network stays readable and small. Default 8.
   */
  maxElements?: number;
}

export const DEFAULT_DECIMALS = 2;
export const DEFAULT_MAX_ELEMENTS = 8;

/**
 * One number with a fixed count of decimals, as the lecture prints them (-0.20, 0.39). Values that would
 * print as 0.00 or that are very large switch to exponent notation, so a small gradient never looks like zero.
 */
export function formatNumber(v: number, decimals: number = DEFAULT_DECIMALS): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return (0).toFixed(decimals);
  const magnitude = Math.abs(v);
  if (magnitude >= 1e6 || magnitude < 0.5 * 10 ** -decimals) return v.toExponential(Math.max(decimals, 1)).replace('e+', 'e');
  return v.toFixed(decimals);
}

/** A constant folded into a gate's label (`+1`, `×-1`): as short as it can be written exactly. */
export function formatConstant(v: number): string {
  return String(Number(v.toPrecision(6)));
}

export interface Summary {
  min: number;
  max: number;
  norm: number;
  nonFinite: number;
}

/** min / max over the finite values, Euclidean norm, and how many values are NaN or infinite. */
export function summarize(t: Tensor): Summary {
  const d = t.data;
  let min = Infinity;
  let max = -Infinity;
  let squares = 0;
  let nonFinite = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    squares += v * v;
  }
  return { min, max, norm: Math.sqrt(squares), nonFinite };
}

/** True when a tensor is printed as shape + summary rather than in full. */
export function isLarge(t: Tensor, format: ValueFormat = {}): boolean {
  return t.size > (format.maxElements ?? DEFAULT_MAX_ELEMENTS);
}

/**
 * A tensor as lines of text: the full values for a small tensor (one line per row of a matrix), or its
 * shape and a summary for a large one. Never more than a few lines, whatever the tensor's size.
 */
export function formatValueLines(t: Tensor, format: ValueFormat = {}): string[] {
  const decimals = format.decimals ?? DEFAULT_DECIMALS;
  const n = (v: number): string => formatNumber(v, decimals);
  if (isLarge(t, format)) {
    const s = summarize(t);
    const lines = [`shape [${t.shape.join(', ')}]  norm ${n(s.norm)}`];
    if (s.nonFinite < t.size) lines.push(`min ${n(s.min)}  max ${n(s.max)}`);
    if (s.nonFinite > 0) lines.push(`${s.nonFinite} non-finite`);
    return lines;
  }
  const d = t.data;
  if (t.ndim === 0) return [n(d[0]!)];
  if (t.size === 0) return [`empty [${t.shape.join(', ')}]`];
  // One line per innermost row; brackets open and close as in NumPy's printing.
  const rowLength = t.shape[t.ndim - 1]!;
  const lines: string[] = [];
  const rows = t.size / rowLength;
  for (let r = 0; r < rows; r++) {
    const values: string[] = [];
    for (let j = 0; j < rowLength; j++) values.push(n(d[r * rowLength + j]!));
    // How many axes start (open) and end (close) at this row.
    // The bracket of axis a spans shape[a] * ... * shape[ndim - 2] rows.
    let open = 1;
    let close = 1;
    let blockRows = 1;
    for (let axis = t.ndim - 2; axis >= 0; axis--) {
      blockRows *= t.shape[axis]!;
      if (r % blockRows === 0) open++;
      if ((r + 1) % blockRows === 0) close++;
    }
    lines.push(' '.repeat(t.ndim - open) + '['.repeat(open) + values.join(', ') + ']'.repeat(close) + (r < rows - 1 ? ',' : ''));
  }
  return lines;
}

/** The same on one line (for transcripts): a large tensor as `{shape [1000, 50], norm 157.51, min 0.00, max 1.00}`. */
export function formatValue(t: Tensor, format: ValueFormat = {}): string {
  if (isLarge(t, format)) {
    const n = (v: number): string => formatNumber(v, format.decimals ?? DEFAULT_DECIMALS);
    const s = summarize(t);
    const range = s.nonFinite < t.size ? `, min ${n(s.min)}, max ${n(s.max)}` : '';
    const bad = s.nonFinite > 0 ? `, ${s.nonFinite} non-finite` : '';
    return `{shape [${t.shape.join(', ')}], norm ${n(s.norm)}${range}${bad}}`;
  }
  return formatValueLines(t, format).map((l) => l.trim()).join(' ');
}

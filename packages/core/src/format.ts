import type { Tensor } from './tensor.js';
import { contiguousStrides } from './shape.js';

const SUMMARIZE_ABOVE = 1000;
const EDGE = 3;

function formatNumber(v: number, decimals: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v.toFixed(decimals);
}

/**
 * NumPy-like printing: aligned columns, 4 decimals (or integers), scientific notation when the values
 * span too many decades for that (NumPy's rule), `...` for large tensors.
 */
export function formatTensor(t: Tensor): string {
  const data = t.data;
  const shape = t.shape;
  const summarize = data.length > SUMMARIZE_ABOVE;
  let allIntegers = true;
  // NumPy's (and PyTorch's) rule over the finite nonzero magnitudes: scientific notation when the largest
  // is >= 1e8, the smallest is < 1e-4, or they span more than three decades; fixed 4 decimals would print
  // 1e-8 as 0.0000 next to 1, and hide 1e-5 next to 123456.
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) {
      if (!Number.isInteger(v)) allIntegers = false;
      const a = Math.abs(v);
      if (a > 0) {
        maxAbs = Math.max(maxAbs, a);
        minAbs = Math.min(minAbs, a);
      }
    }
  }
  const useExponent = maxAbs > 0 && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1e3);
  const fmt = (v: number): string =>
    useExponent && Number.isFinite(v)
      ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') // two exponent digits, as NumPy: 1.0000e+09
      : formatNumber(v, allIntegers ? 0 : 4) + (allIntegers && Number.isFinite(v) ? '.' : '');
  const suffix = t.requiresGrad ? (t._node ? `, op=${t._node.op}` : ', requiresGrad=true') : '';
  const prefix = 'tensor(';
  if (shape.length === 0) return `${prefix}${fmt(data[0]!)}${suffix})`;
  // No values to nest: print [] and the shape, which [] alone would lose (PyTorch: tensor([], size=(0, 3))).
  if (data.length === 0) return `${prefix}[]${shape.length > 1 ? `, shape=[${shape.join(', ')}]` : ''}${suffix})`;

  const strides = contiguousStrides(shape);
  // Rendered twice: first to measure the widest value shown (columns align on it), then padded to it.
  let width = 0;
  let measuring = true;
  const cell = (v: number): string => {
    const text = fmt(v);
    if (measuring) width = Math.max(width, text.length);
    return text.padStart(width);
  };
  const render = (axis: number, offset: number, indent: string): string => {
    const n = shape[axis]!;
    const indices: (number | null)[] = [];
    if (summarize && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) indices.push(i);
      indices.push(null);
      for (let i = n - EDGE; i < n; i++) indices.push(i);
    } else for (let i = 0; i < n; i++) indices.push(i);
    if (axis === shape.length - 1) {
      return '[' + indices.map((i) => (i === null ? '...' : cell(data[offset + i]!))).join(', ') + ']';
    }
    const sep = ',' + '\n'.repeat(shape.length - axis - 1) + indent + ' ';
    return '[' + indices.map((i) => (i === null ? '...' : render(axis + 1, offset + i * strides[axis]!, indent + ' '))).join(sep) + ']';
  };
  const indent = ' '.repeat(prefix.length);
  render(0, 0, indent);
  measuring = false;
  const body = render(0, 0, indent);
  const shapeNote = summarize ? `, shape=[${shape.join(', ')}]` : '';
  return `${prefix}${body}${shapeNote}${suffix})`;
}

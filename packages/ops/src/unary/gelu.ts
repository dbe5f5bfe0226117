import { ValueError, checkSize, defineOp, describeValue, fromData, record, type Tensor } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { erfc } from '../special.js';
import { add } from '../binary/add.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { where } from '../binary/where.js';
import { exp } from './exp.js';
import { pow } from './pow.js';
import { sigmoid } from './sigmoid.js';
import { square } from './square.js';
import { newStorage } from '../kernels/backend.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const BETA = Math.sqrt(2 / Math.PI); // the tanh form's √(2/π), PyTorch's kBeta
const KAPPA = 0.044715;

/**
 * The Gaussian error linear unit x·Φ(x), Φ the standard normal CDF: PyTorch's `gelu(x, approximate)`.
 * `approximate: 'none'` (the default) is the exact form, Φ(x) = erfc(-x/√2)/2; `'tanh'` is
 * 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), computed as x·σ(2·√(2/π)(x + 0.044715x³)) (the same function).
 * Both written so the left tail keeps its digits: PyTorch's 1 + erf(x/√2) and 1 + tanh(...) cancel to 0
 * there (below x ≈ -5.9 and -4 respectively), these do not.
 */
export const gelu = defineOp('gelu', (a: TensorLike, approximate: 'none' | 'tanh' = 'none'): Tensor => {
  const x = asTensor(a, 'gelu');
  if (approximate !== 'none' && approximate !== 'tanh') throw new ValueError('gelu', `approximate must be 'none' or 'tanh', got ${describeValue(approximate)}`);
  checkSize('gelu', x.shape);
  const d = x.data;
  const o = newStorage(d.length);
  if (approximate === 'none') {
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      // Below -40, Φ(x) underflows to 0 and x·0 is -0, except at -Infinity, where it would be NaN.
      o[i] = v < -40 ? -0 : v * 0.5 * erfc(-v * SQRT1_2);
    }
  } else {
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      const s = sigmoidOf(2 * BETA * (v + KAPPA * v * v * v));
      o[i] = s === 0 ? -0 : v * s;
    }
  }
  // Exact: d(xΦ(x)) = Φ(x) + x·φ(x), φ(x) = e^(-x²/2)/√(2π).
  // tanh form, with s = σ(2u), u = √(2/π)(x + κx³): d(x·s) = s + 2x·s(1 - s)·√(2/π)(1 + 3κx²). Where s(1 - s)
  // underflows (the far tails) that term is 0, not 0·Infinity.
  return record(
    'gelu',
    [x],
    fromData(o, x.shape),
    (dy) => {
      const g = dy.data;
      const xd = x.data;
      const dx = newStorage(g.length);
      if (approximate === 'none') {
        for (let i = 0; i < g.length; i++) {
          const v = xd[i]!;
          const cdf = 0.5 * erfc(-v * SQRT1_2);
          const xpdf = Math.abs(v) > 40 ? 0 : v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
          dx[i] = g[i]! * (cdf + xpdf);
        }
      } else {
        for (let i = 0; i < g.length; i++) {
          const v = xd[i]!;
          const u2 = 2 * BETA * (v + KAPPA * v * v * v);
          const s = sigmoidOf(u2);
          const r = s * sigmoidOf(-u2);
          dx[i] = g[i]! * (s + (r === 0 ? 0 : 2 * v * r * BETA * (1 + 3 * KAPPA * v * v)));
        }
      }
      return [fromData(dx, x.shape)];
    },
    [x],
    (dy) => [mul(dy, approximate === 'none' ? geluSlope(x) : geluTanhSlope(x))],
  );
});

/**
 * Φ(x) + x·φ(x), the exact gelu's derivative, as a recorded op whose own rule, φ(x)·(2 - x²), is built
 * from recorded ops: gelu's recorded rule, so that gelu can be differentiated any number of times.
 */
function geluSlope(x: Tensor): Tensor {
  const d = x.data;
  const o = newStorage(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    o[i] = 0.5 * erfc(-v * SQRT1_2) + (Math.abs(v) > 40 ? 0 : v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
  }
  const rule = (dy: Tensor): Tensor[] => [mul(dy, mul(mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI), sub(2, square(x))))];
  return record('gelu.slope', [x], fromData(o, x.shape), rule, [x], rule);
}

/**
 * The tanh form's derivative s + 2x·s(1 - s)·√(2/π)(1 + 3κx²), s = σ(2√(2/π)(x + κx³)), with recorded ops.
 * At x = ±Infinity the second term is 0 (s(1 - s) is 0), as in the first-order rule, not Infinity·0.
 */
function geluTanhSlope(x: Tensor): Tensor {
  const s = sigmoid(mul(add(x, mul(pow(x, 3), KAPPA)), 2 * BETA));
  const term = mul(mul(x, mul(s, sub(1, s))), mul(add(mul(square(x), 3 * KAPPA), 1), 2 * BETA));
  const d = x.data;
  if (!d.some((v) => v === Infinity || v === -Infinity)) return add(s, term);
  return add(s, where(fromData(d.map((v) => +(v === Infinity || v === -Infinity)), x.shape), 0, term));
}

/** σ(z) without overflow for either sign of z. */
function sigmoidOf(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

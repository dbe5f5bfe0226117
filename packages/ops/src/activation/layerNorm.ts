import { ShapeError, Tensor, ValueError, checkSize, defineOp, describeValue, formatShape, fromData, pairwiseSum, record, shapesEqual } from '@tensorgrad/core';
import { asTensor, type TensorLike } from '../util.js';
import { add } from '../binary/add.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { mean } from '../reduce/mean.js';
import { sum } from '../reduce/sum.js';
import { pow } from '../unary/pow.js';
import { square } from '../unary/square.js';
import { newStorage } from '../kernels/backend.js';

/** An optional affine parameter of layerNorm: null, or a Tensor of exactly the normalized shape. */
function affine(name: string, t: unknown, shape: readonly number[]): Tensor | null {
  if (t === undefined || t === null) return null;
  if (!(t instanceof Tensor)) throw new ValueError('layerNorm', `${name} must be a Tensor of shape ${formatShape(shape)} or null, got ${describeValue(t)}`);
  if (!shapesEqual(t.shape, shape)) throw new ShapeError('layerNorm', `${name} of shape ${formatShape(t.shape)} must have the normalized shape ${formatShape(shape)}`);
  return t;
}

/**
 * Layer normalization over the last axes, PyTorch's `layer_norm(x, normalizedShape, weight, bias, eps)`:
 * each lane of the trailing `normalizedShape` (a length or a list: x's trailing dimensions) becomes
 * x̂ = (x - mean) / √(var + eps), var the biased variance, then y = x̂·weight + bias (each optional, of the
 * normalized shape).
 *
 * One fused op: mean and variance in two passes per lane (no cancellation), x̂ and 1/√(var + eps) kept for
 * the rule, which is the closed form dx = (1/σ)(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)), ĝ = dy·weight, with dweight =
 * Σ dy·x̂ and dbias = Σ dy over the leading axes; no graph of a dozen reductions and broadcasts to walk.
 */
export const layerNorm = defineOp(
  'layerNorm',
  (a: TensorLike, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps: number = 1e-5): Tensor => {
    const x = asTensor(a, 'layerNorm');
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ShapeError('layerNorm', `normalizedShape must be a length or a list of lengths (x's trailing dimensions), got ${describeValue(normalizedShape)}`);
    }
    const k = shape.length;
    if (k === 0 || k > x.ndim || !shapesEqual(x.shape.slice(x.ndim - k), shape)) {
      throw new ShapeError('layerNorm', `normalizedShape ${formatShape(shape)} must be the trailing dimensions of x, of shape ${formatShape(x.shape)}`);
    }
    if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ValueError('layerNorm', `eps must be a non-negative finite number, got ${describeValue(eps)}`);
    const w = affine('weight', weight, shape);
    const b = affine('bias', bias, shape);
    checkSize('layerNorm', x.shape);
    const m = shape.reduce((p, d) => p * d, 1);
    const rows = m === 0 ? 0 : x.size / m;
    const d = x.data;
    const wd = w?.data;
    const bd = b?.data;
    const xhat = newStorage(d.length);
    const rstd = new Float64Array(rows);
    const o = newStorage(d.length);
    for (let r = 0; r < rows; r++) {
      const base = r * m;
      const mu = pairwiseSum(d, base, m) / m;
      let v = 0;
      for (let j = 0; j < m; j++) {
        const c = d[base + j]! - mu;
        v += c * c;
      }
      const s = 1 / Math.sqrt(v / m + eps);
      rstd[r] = s;
      for (let j = 0; j < m; j++) {
        const h = (d[base + j]! - mu) * s;
        xhat[base + j] = h;
        o[base + j] = (wd === undefined ? h : h * wd[j]!) + (bd === undefined ? 0 : bd[j]!);
      }
    }
    const inputs = [x];
    if (w !== null) inputs.push(w);
    if (b !== null) inputs.push(b);
    const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
    const lead = Array.from({ length: x.ndim - k }, (_, i) => i);
    const overLead = (t: Tensor): Tensor => (lead.length === 0 ? t : sum(t, lead));
    return record(
      'layerNorm',
      inputs,
      fromData(o, x.shape),
      (dy) => {
        const g = dy.data;
        const dx = newStorage(g.length);
        const dw = w !== null && w.requiresGrad ? new Float64Array(m) : null;
        const db = b !== null && b.requiresGrad ? new Float64Array(m) : null;
        for (let r = 0; r < rows; r++) {
          const base = r * m;
          let sg = 0;
          let sgh = 0;
          for (let j = 0; j < m; j++) {
            const gh = wd === undefined ? g[base + j]! : g[base + j]! * wd[j]!;
            sg += gh;
            sgh += gh * xhat[base + j]!;
          }
          const meanG = sg / m;
          const meanGH = sgh / m;
          const s = rstd[r]!;
          for (let j = 0; j < m; j++) {
            const gh = wd === undefined ? g[base + j]! : g[base + j]! * wd[j]!;
            dx[base + j] = s * (gh - meanG - xhat[base + j]! * meanGH);
          }
          if (dw !== null) for (let j = 0; j < m; j++) dw[j] += g[base + j]! * xhat[base + j]!;
          if (db !== null) for (let j = 0; j < m; j++) db[j] += g[base + j]!;
        }
        const grads: (Tensor | null)[] = [fromData(dx, x.shape)];
        if (w !== null) grads.push(dw === null ? null : fromData(dw, shape));
        if (b !== null) grads.push(db === null ? null : fromData(db, shape));
        return grads;
      },
      inputs,
      // The same closed form with recorded ops, x̂ recomputed from x so that it is differentiable again.
      (dy) => {
        const centered = sub(x, mean(x, axes, true));
        const s = pow(add(mean(square(centered), axes, true), eps), -0.5);
        const h = mul(centered, s);
        const gh = w === null ? dy : mul(dy, w);
        const dx = mul(s, sub(sub(gh, mean(gh, axes, true)), mul(h, mean(mul(gh, h), axes, true))));
        const grads: (Tensor | null)[] = [dx];
        if (w !== null) grads.push(w.requiresGrad ? overLead(mul(dy, h)) : null);
        if (b !== null) grads.push(b.requiresGrad ? overLead(dy) : null);
        return grads;
      },
    );
  },
);

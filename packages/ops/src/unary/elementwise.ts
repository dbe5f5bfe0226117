import { fromData, type Tensor } from '@tensorgrad/core';

/** Applies `f` to every element, returning a fresh contiguous tensor (one call per element: cold paths only). */
export function mapValues(x: Tensor, f: (v: number) => number): Tensor {
  const d = x.data;
  const o = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) o[i] = f(d[i]!);
  return fromData(o, x.shape);
}

/** dy * g(x, y) elementwise: the shape every unary backward rule takes (no Jacobian, just a product). */
export function scaleGrad(dy: Tensor, x: Tensor, y: Tensor, g: (x: number, y: number) => number): Tensor {
  const d = dy.data;
  const xd = x.data;
  const yd = y.data;
  const o = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) o[i] = d[i]! * g(xd[i]!, yd[i]!);
  return fromData(o, x.shape);
}

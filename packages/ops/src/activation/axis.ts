import { normalizeAxis, type Shape } from '@tensorgrad/core';

/**
 * A contiguous tensor seen as [outer, n, inner] around `axis`: entry k of lane (o, i) along the axis sits
 * at o·n·inner + k·inner + i. For the last axis inner = 1, so each lane is a contiguous row.
 */
export function lanes(shape: Shape, axis: number, op: string): { outer: number; n: number; inner: number } {
  const at = normalizeAxis(axis, shape.length, op);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < at; i++) outer *= shape[i]!;
  for (let i = at + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, n: shape[at]!, inner };
}

// Tiny same-shape ops, defined the way @tensorgrad/ops defines its own, so the core's tests do not depend
// on the ops package (dependencies run one way: core <- ops).
import { defineOp, fromData, record, shapesEqual, ShapeError, formatShape, type Tensor } from '@tensorgrad/core';

function zip(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  if (!shapesEqual(a.shape, b.shape)) throw new ShapeError(op, `shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ`);
  const x = a.data;
  const y = b.data;
  const out = new Float64Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]!, y[i]!);
  return fromData(out, a.shape);
}

// d(a+b) = da + db
export const plus = defineOp('test.plus', (a: Tensor, b: Tensor): Tensor =>
  record('test.plus', [a, b], zip('test.plus', a, b, (x, y) => x + y), (dy) => [dy, dy]),
);

// d(a*b) = da*b + a*db
export const times = defineOp('test.times', (a: Tensor, b: Tensor): Tensor =>
  record('test.times', [a, b], zip('test.times', a, b, (x, y) => x * y), (dy) => [times(dy, b), times(dy, a)], [a, b]),
);

// d(c*x) = c dx
export const scale = defineOp('test.scale', (x: Tensor, c: number): Tensor => {
  const d = x.data;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = c * d[i]!;
  return record('test.scale', [x], fromData(out, x.shape), (dy) => [scale(dy, c)]);
});

// d(Σx) = dx everywhere: the upstream scalar copied to every element.
export const total = defineOp('test.total', (x: Tensor): Tensor => {
  const d = x.data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]!;
  return record('test.total', [x], fromData(new Float64Array([s]), []), (dy) => [fromData(new Float64Array(x.size).fill(dy.item()), x.shape)]);
});

// d(e^x) = e^x dx: saves its output, so an in-place write to the output is caught.
export const expo = defineOp('test.exp', (x: Tensor): Tensor => {
  const y = fromData(x.data.map(Math.exp), x.shape);
  return record('test.exp', [x], y, (dy) => [times(dy, y)], [y]);
});

// d(ln x) = dx / x: produces -Infinity at 0 and NaN below (for anomaly mode).
export const ln = defineOp('test.log', (x: Tensor): Tensor => {
  const y = fromData(x.data.map(Math.log), x.shape);
  return record('test.log', [x], y, (dy) => [zip('test.log', dy, x, (g, v) => g / v)], [x]);
});

/** A deliberately wrong rule: returns a gradient of the wrong shape, to exercise the engine's check. */
export const broken = defineOp('test.broken', (x: Tensor): Tensor =>
  record('test.broken', [x], fromData(x.data.slice(), x.shape), () => [fromData(new Float64Array(x.size + 1), [x.size + 1])]),
);

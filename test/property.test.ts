// Property-based tests (fast-check): random shapes with NumPy broadcasting, and random compositions of
// ops. For every generated case the float64 gradient check passes and every gradient has its input's
// shape. Seeded, so a run is reproducible: a failure prints the seed and the path to replay it with.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Random, type Tensor, fromData, sizeOf } from '@tensorgrad/core';
import * as ops from '@tensorgrad/ops';
import { gradcheck } from '@tensorgrad/ops';

const SEED = 20261123;

/** Fills a tensor of `shape` from a seeded generator (fast-check draws the seed, so cases replay). */
function filled(shape: readonly number[], seed: number, draw: (r: Random) => number): Tensor {
  const r = new Random(seed);
  const d = new Float64Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = draw(r);
  return fromData(d, shape);
}

const normal = (r: Random): number => r.normal();

/**
 * Two operand shapes that broadcast to `out`: each drops some leading axes of `out` and turns some of the
 * rest into 1 — every shape pair NumPy accepts arises this way (the broadcast of the two is `out` up to
 * axes where both are 1, which we allow too).
 */
function broadcastPair(minDim: number) {
  return fc
    .array(fc.integer({ min: minDim, max: 3 }), { minLength: 0, maxLength: 3 })
    .chain((out) =>
      fc.record({
        out: fc.constant(out),
        dropA: fc.integer({ min: 0, max: out.length }),
        dropB: fc.integer({ min: 0, max: out.length }),
        onesA: fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        onesB: fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      }),
    )
    .map(({ out, dropA, dropB, onesA, onesB, seed }) => ({
      a: out.slice(dropA).map((d, i) => (onesA[i + dropA] ? 1 : d)),
      b: out.slice(dropB).map((d, i) => (onesB[i + dropB] ? 1 : d)),
      seed,
    }));
}

/** NumPy's rule, written independently of core's broadcastShapes: align right, 1 stretches. */
function referenceBroadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** The value of `t` (of shape `shape`) that broadcasts to the out index `index`. */
function at(t: Tensor, index: readonly number[]): number {
  const lead = index.length - t.ndim;
  let flat = 0;
  for (let i = 0; i < t.ndim; i++) flat = flat * t.shape[i]! + (t.shape[i] === 1 ? 0 : index[lead + i]!);
  return t.data[flat]!;
}

const binary: Record<string, { f: (a: Tensor, b: Tensor) => Tensor; reference: (x: number, y: number) => number }> = {
  add: { f: ops.add, reference: (x, y) => x + y },
  sub: { f: ops.sub, reference: (x, y) => x - y },
  mul: { f: ops.mul, reference: (x, y) => x * y },
  div: { f: ops.div, reference: (x, y) => x / y },
  maximum: { f: ops.maximum, reference: (x, y) => Math.max(x, y) },
  minimum: { f: ops.minimum, reference: (x, y) => Math.min(x, y) },
};

/**
 * Operands in each op's domain, without ties: a on even multiples of 0.5, b on odd ones (plus noise
 * below 0.2), so |a - b| >= 0.3 (maximum/minimum never tie) and b is never near 0 (div has no pole).
 */
function operands(shapeA: readonly number[], shapeB: readonly number[], seed: number): [Tensor, Tensor] {
  const a = filled(shapeA, seed, (r) => 0.5 * 2 * (r.int(7) - 3) + 0.2 * r.uniform());
  const b = filled(shapeB, seed + 1, (r) => 0.5 * (2 * (r.int(6) - 3) + 1) + 0.2 * r.uniform());
  return [a, b];
}

describe('broadcasting (random shape pairs, including empty dimensions)', () => {
  it.each(Object.keys(binary))('%s: result shape and values follow NumPy; gradients have the inputs\' shapes', (name) => {
    const { f, reference } = binary[name]!;
    fc.assert(
      fc.property(broadcastPair(0), ({ a: shapeA, b: shapeB, seed }) => {
        const [a0, b0] = operands(shapeA, shapeB, seed);
        const a = fromData(a0.data, shapeA, { requiresGrad: true });
        const b = fromData(b0.data, shapeB, { requiresGrad: true });
        const y = f(a, b);
        const outShape = referenceBroadcast(shapeA, shapeB);
        expect(y.shape).toEqual(outShape);
        // Every value, by index arithmetic against the reference rule.
        const index = new Array<number>(outShape.length).fill(0);
        const values = y.data;
        for (let k = 0; k < values.length; k++) {
          expect(values[k]).toBe(reference(at(a, index), at(b, index)));
          for (let axis = outShape.length - 1; axis >= 0; axis--) {
            if (++index[axis]! < outShape[axis]!) break;
            index[axis] = 0;
          }
        }
        // The method form agrees, and backward gives each operand a gradient of its own shape.
        expect(Array.from((a as unknown as Record<string, (o: Tensor) => Tensor>)[name]!(b).data)).toEqual(Array.from(values));
        ops.sum(y).backward();
        expect(a.grad!.shape).toEqual(shapeA);
        expect(b.grad!.shape).toEqual(shapeB);
        // sum(a + b) and sum(a - b): each entry of a is counted once per out element it broadcasts to.
        if (name === 'add') {
          const copies = sizeOf(outShape) / Math.max(1, sizeOf(shapeA));
          expect(a.grad!.data.every((g) => g === copies)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it.each(Object.keys(binary))('%s: gradcheck passes for random broadcast shapes', (name) => {
    const { f } = binary[name]!;
    fc.assert(
      fc.property(broadcastPair(1), ({ a: shapeA, b: shapeB, seed }) => {
        const inputs = operands(shapeA, shapeB, seed);
        const result = gradcheck(f, inputs, { seed });
        expect(result.ok, `${name} ${JSON.stringify(shapeA)} ${JSON.stringify(shapeB)}: ${JSON.stringify(result.worst)}`).toBe(true);
        expect(result.checked).toBe(sizeOf(shapeA) + sizeOf(shapeB));
      }),
      { seed: SEED + 1, numRuns: 25 },
    );
  });
});

/** One step of a random program: takes the running tensor h (and fresh parameters) to a new h. */
type Step =
  | { kind: 'unary'; op: 'neg' | 'tanh' | 'sigmoid' | 'square' | 'exp' | 'softplus' | 'sqrtOf' }
  | { kind: 'binary'; op: 'add' | 'sub' | 'mul' | 'div'; keep: boolean[]; drop: number }
  | { kind: 'reduce'; op: 'sum' | 'mean' | 'max' | 'l2' | 'norm'; axis: number; keepDims: boolean }
  | { kind: 'softmax'; op: 'softmax' | 'logSoftmax'; axis: number }
  | { kind: 'matmul'; n: number }
  | { kind: 'linear'; n: number }
  | { kind: 'shape'; op: 'transpose' | 'flatten' | 'expandDims' | 'slice' | 'concat' | 'stack' | 'broadcastTo'; axis: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom('neg', 'tanh', 'sigmoid', 'square', 'exp', 'softplus', 'sqrtOf') }),
  fc.record({
    kind: fc.constant('binary' as const),
    op: fc.constantFrom('add', 'sub', 'mul', 'div'),
    keep: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    drop: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ kind: fc.constant('reduce' as const), op: fc.constantFrom('sum', 'mean', 'max', 'l2', 'norm'), axis: fc.integer({ min: -3, max: 2 }), keepDims: fc.boolean() }),
  fc.record({ kind: fc.constant('softmax' as const), op: fc.constantFrom('softmax', 'logSoftmax'), axis: fc.integer({ min: -3, max: 2 }) }),
  fc.record({ kind: fc.constant('matmul' as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('linear' as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    kind: fc.constant('shape' as const),
    op: fc.constantFrom('transpose', 'flatten', 'expandDims', 'slice', 'concat', 'stack', 'broadcastTo'),
    axis: fc.integer({ min: -3, max: 2 }),
  }),
);

/** An axis of a tensor with `ndim` dimensions chosen by a raw integer (null for a 0-d tensor). */
const pickAxis = (raw: number, ndim: number): number | null => (ndim === 0 ? null : ((raw % ndim) + ndim) % ndim - (raw < 0 ? ndim : 0));

/**
 * Builds the program: the shapes of the extra parameters it needs (decided here, from the shapes the
 * steps produce) and `run(x, ...params)`. Every op is used in its smooth domain: square roots and logs
 * only of positive values, no max over ties (normal draws), div only by 1.5 + sigmoid(.) in [1.5, 2.5].
 */
function program(inputShape: readonly number[], steps: readonly Step[]) {
  const params: number[][] = [];
  const plan: ((h: Tensor, p: Tensor[]) => Tensor)[] = [];
  let shape = inputShape.slice();
  const probe = (f: (h: Tensor, p: Tensor[]) => Tensor, paramShapes: number[][]): void => {
    // Run the step on zeros to learn its output shape (cheap: the tensors have at most a few dozen entries).
    const base = params.length;
    params.push(...paramShapes);
    const h = fromData(new Float64Array(sizeOf(shape)), shape);
    const out = f(h, paramShapes.map((s) => fromData(new Float64Array(sizeOf(s)).fill(0.5), s)));
    shape = out.shape.slice();
    plan.push((x, all) => f(x, all.slice(base, base + paramShapes.length)));
  };
  for (const step of steps) {
    const nd = shape.length;
    switch (step.kind) {
      case 'unary': {
        const f = {
          neg: (h: Tensor) => ops.neg(h),
          tanh: (h: Tensor) => ops.tanh(h),
          sigmoid: (h: Tensor) => ops.sigmoid(h),
          square: (h: Tensor) => ops.square(ops.tanh(h)),
          exp: (h: Tensor) => ops.exp(ops.tanh(h)),
          softplus: (h: Tensor) => ops.log(ops.add(1, ops.exp(ops.tanh(h)))),
          sqrtOf: (h: Tensor) => ops.sqrt(ops.add(0.5, ops.square(h))),
        }[step.op];
        probe((h) => f(h), []);
        break;
      }
      case 'binary': {
        // A parameter of a shape that broadcasts against h: some trailing axes, some of them set to 1.
        const kept = shape.slice(Math.min(step.drop, nd));
        const pshape = kept.map((d, i) => (step.keep[i] ? d : 1));
        const f = {
          add: (h: Tensor, p: Tensor) => ops.add(h, p),
          sub: (h: Tensor, p: Tensor) => ops.sub(p, h),
          mul: (h: Tensor, p: Tensor) => ops.mul(h, p),
          div: (h: Tensor, p: Tensor) => ops.div(h, ops.add(1.5, ops.sigmoid(p))),
        }[step.op];
        probe((h, [p]) => f(h, p!), [pshape]);
        break;
      }
      case 'reduce': {
        const axis = pickAxis(step.axis, nd);
        if (step.op === 'l2') probe((h) => ops.l2(h), []);
        else if (step.op === 'norm') probe((h) => ops.norm(ops.add(h, 0.25), 2, axis, step.keepDims), []);
        else {
          const op = step.op; // a const keeps its narrowed type inside the closure
          probe((h) => ops[op](h, axis, step.keepDims), []);
        }
        break;
      }
      case 'softmax': {
        const axis = pickAxis(step.axis, nd);
        if (axis === null) break;
        probe((h) => ops[step.op](h, axis), []);
        break;
      }
      case 'matmul': {
        if (nd === 0) break;
        // h [..., k] · W [k, n] (a vector h gives [n]).
        probe((h, [W]) => ops.matmul(h, W!), [[shape[nd - 1]!, step.n]]);
        break;
      }
      case 'linear': {
        if (nd === 0) break;
        probe((h, [W, b]) => ops.linear(h, W!, b!), [[step.n, shape[nd - 1]!], [step.n]]);
        break;
      }
      case 'shape': {
        const axis = pickAxis(step.axis, nd);
        const here = shape.slice(); // the closures below run later, when \`shape\` has moved on
        if (step.op === 'transpose') probe((h) => ops.transpose(h), []);
        else if (step.op === 'flatten') probe((h) => ops.reshape(h, [-1]), []);
        else if (step.op === 'expandDims') probe((h) => ops.expandDims(h, axis ?? 0), []);
        else if (step.op === 'broadcastTo') probe((h) => ops.broadcastTo(h, [2, ...here]), []);
        else if (axis === null) break;
        else if (step.op === 'slice') {
          // Every other entry along the axis, from the end: a negative-step strided view.
          const specs = here.map((_, i) => (i === axis ? ([null, null, -2] as const) : null));
          probe((h) => ops.slice(h, specs), []);
        } else if (step.op === 'concat') probe((h, [p]) => ops.concat([h, p!], axis), [shape.map((d, i) => (i === axis ? 1 : d))]);
        else probe((h, [p]) => ops.stack([h, p!], axis), [shape.slice()]);
        break;
      }
    }
  }
  return { params, run: (x: Tensor, ...p: Tensor[]) => plan.reduce((h, f) => f(h, p), x) };
}

describe('random compositions of ops', () => {
  it('gradcheck passes and every gradient has its input\'s shape', () => {
    let checkedEntries = 0;
    let maxSize = 0;
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 }),
        fc.array(stepArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (inputShape, steps, seed) => {
          const { params, run } = program(inputShape, steps);
          const inputs = [inputShape, ...params].map((s, i) => filled(s, seed + i, normal));
          const label = `x ${JSON.stringify(inputShape)}, steps ${JSON.stringify(steps)}`;
          const result = gradcheck(run, inputs, { seed });
          expect(result.ok, `${label}: ${JSON.stringify(result.worst)}`).toBe(true);
          checkedEntries += result.checked;
          for (const st of steps) kinds.set(`${st.kind}:${'op' in st ? st.op : ''}`, (kinds.get(`${st.kind}:${'op' in st ? st.op : ''}`) ?? 0) + 1);
          maxSize = Math.max(maxSize, ...inputs.map((t) => t.size));
          // The engine's own gradients, from a seed of ones: one per input, each of its input's shape.
          const leaves = inputs.map((t) => fromData(t.data.slice(), t.shape, { requiresGrad: true }));
          const y = run(...(leaves as [Tensor, ...Tensor[]]));
          y.backward(fromData(new Float64Array(y.size).fill(1), y.shape));
          for (const leaf of leaves) {
            expect(leaf.grad, label).not.toBeNull();
            expect(leaf.grad!.shape, label).toEqual(leaf.shape);
            expect(leaf.grad!.data.every(Number.isFinite), label).toBe(true);
          }
        },
      ),
      { seed: SEED + 2, numRuns: 300 },
    );
    console.log(`compositions: ${checkedEntries} entries checked, largest input ${maxSize}; steps ${JSON.stringify([...kinds].sort())}`);
    expect(checkedEntries).toBeGreaterThan(1500);
  });
});

describe('index selection and the NumPy extras (random shapes)', () => {
  /** A shape of 1 to 3 dims (sizes 1..4), an axis of it, a seed, and index draws. */
  const shapeAxis = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
    .chain((shape) => fc.record({ shape: fc.constant(shape), axis: fc.integer({ min: -shape.length, max: shape.length - 1 }), seed: fc.nat(), m: fc.integer({ min: 0, max: 4 }) }));

  it('take(x, idx, axis) agrees with gather(x, idx broadcast along the other axes, axis), values and gradients', () => {
    fc.assert(
      fc.property(shapeAxis, ({ shape, axis, seed, m }) => {
        const at = axis < 0 ? axis + shape.length : axis;
        const n = shape[at]!;
        const r = new Random(seed);
        const idx = Array.from({ length: m }, () => r.int(n));
        const x = filled(shape, seed, normal);
        // The same picks as per-lane indices: idx repeated along every other axis.
        const laneShape = shape.map((d, i) => (i === at ? m : d));
        const lane = new Float64Array(sizeOf(laneShape));
        let inner = 1;
        for (let i = at + 1; i < shape.length; i++) inner *= shape[i]!;
        for (let k = 0; k < lane.length; k++) lane[k] = idx[Math.floor(k / inner) % m]!;
        const viaTake = ops.take(x, idx, axis);
        const viaGather = ops.gather(x, fromData(lane, laneShape), axis);
        expect(viaTake.shape).toEqual(laneShape);
        expect([...viaTake.data]).toEqual([...viaGather.data]);
        const w = filled(laneShape, seed + 1, normal);
        const [gTake] = ops.vjp((t) => ops.take(t, idx, axis), x)[1](w);
        const [gGather] = ops.vjp((t) => ops.gather(t, fromData(lane, laneShape), axis), x)[1](w);
        expect([...gTake!.data]).toEqual([...gGather!.data]);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('logsumexp lies in [max, max + log n]; variance >= 0 and std² = variance; clamp is idempotent', () => {
    fc.assert(
      fc.property(shapeAxis, ({ shape, axis, seed }) => {
        const x = filled(shape, seed, (r) => 50 * r.normal());
        const n = shape[axis < 0 ? axis + shape.length : axis]!;
        const lse = ops.logsumexp(x, axis).data;
        const mx = ops.max(x, axis).data;
        lse.forEach((v, k) => {
          expect(v).toBeGreaterThanOrEqual(mx[k]!);
          expect(v).toBeLessThanOrEqual(mx[k]! + Math.log(n) + 1e-12);
        });
        const v = ops.variance(x, axis, false, 1).data;
        const s = ops.std(x, axis, false, 1).data;
        v.forEach((value, k) => {
          if (n > 1) expect(value).toBeGreaterThanOrEqual(0);
          if (n > 1) expect(s[k]! * s[k]!).toBeCloseTo(value, 6);
        });
        const c = ops.clamp(x, -10, 20);
        expect([...ops.clamp(c, -10, 20).data]).toEqual([...c.data]);
        expect([...ops.argmax(x, axis).data].every((i) => Number.isInteger(i) && i >= 0 && i < n)).toBe(true);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

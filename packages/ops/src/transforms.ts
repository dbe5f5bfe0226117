import { ShapeError, Tensor, ValueError, dependencies, describeValue, enableGrad, formatShape, fromData, gradients, record, toSeed, type Seed } from '@tensorgrad/core';
import { asTensor, checkFunction, type TensorLike } from './util.js';

/** A seed for a pullback: a tensor of the output's shape, a number for a scalar output, or flat values. */
export type Cotangent = Seed;

/**
 * Leaves made by the transforms currently evaluating their `f` (outermost first). A transform called
 * inside another one's `f` checks whether its result depends on those leaves: see `higherOrder`.
 */
const activeLeaves: Set<Tensor>[] = [];

/** The leaves of enclosing transforms that `roots` were computed from (empty at top level). */
function outerDependencies(roots: readonly unknown[]): Tensor[] {
  if (activeLeaves.length === 0) return [];
  const found = new Set<Tensor>();
  const outer = new Set(activeLeaves.flatMap((set) => [...set]));
  for (const root of roots) if (root instanceof Tensor) for (const leaf of dependencies(root, outer)) found.add(leaf);
  return [...found];
}

/**
 * A result of a transform: in the graph when it depends on an enclosing transform's inputs (`deps`), so
 * that the enclosing transform differentiates it (`grad(grad(f))`: the gradients were computed with
 * `createGraph`), else detached, so that a transform at top level is a pure function of its arguments.
 */
function result(t: Tensor, deps: readonly Tensor[]): Tensor {
  return deps.length === 0 ? t.detach() : t;
}

/**
 * The transform's own input for argument `arg`: a leaf over the same storage (no copy), or, when `arg`
 * depends on an enclosing transform's inputs, an identity op on it, so that the inner transform
 * differentiates with respect to this use of `arg` alone (not the uses `f` closes over: JAX's rule)
 * while the enclosing transform still sees the path through it.
 */
function transformInput(op: string, arg: Tensor): Tensor {
  if (outerDependencies([arg]).length > 0) {
    const rule = (dy: Tensor): Tensor[] => [dy];
    return enableGrad(() => record(`${op}.input`, [arg], arg.detach(), rule, [], rule));
  }
  const leaf = arg.detach();
  leaf.requiresGrad = true;
  return leaf;
}

/** Runs `f` on fresh transform leaves, registered as active for transforms nested inside `f`. */
function evaluate(f: (...args: any[]) => unknown, args: readonly unknown[], leaves: readonly Tensor[]): unknown {
  activeLeaves.push(new Set(leaves));
  try {
    return enableGrad(() => f(...args));
  } finally {
    activeLeaves.pop();
  }
}

/**
 * The gradients of `output` with respect to `wrt`, from core's `gradients`: no `.grad` anywhere is read
 * or written (tensors `f` closes over, model parameters say, keep their accumulated gradients) and the
 * graph is retained (part of it may be the caller's, built outside `f`), so the transforms below are
 * pure functions, as in JAX. An output that does not require grad, or does not depend on an input,
 * gives zeros for it, as JAX gives for a constant function. Nested inside another transform (`createGraph`),
 * the gradients are themselves in the graph, so the outer transform differentiates them.
 */
function pureGradients(output: Tensor, seed: Tensor | undefined, wrt: readonly Tensor[], createGraph: boolean): Tensor[] {
  const zeros = (t: Tensor): Tensor => fromData(new Float64Array(t.size), t.shape);
  if (!output.requiresGrad) return wrt.map(zeros);
  return gradients(output, wrt, { seed, retainGraph: true, createGraph }).map((g, i) => g ?? zeros(wrt[i]!));
}

/** The transform's inputs for the arguments `argnums` (see transformInput); other arguments pass unchanged. */
function differentiableLeaves(op: string, args: readonly unknown[], argnums: readonly number[]): unknown[] {
  const leaves = args.slice();
  for (const i of argnums) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      throw new ValueError(op, `argnums ${String(i)} is not an argument index for ${args.length} argument${args.length === 1 ? '' : 's'}`);
    }
    leaves[i] = transformInput(op, asTensor(args[i] as TensorLike, op));
  }
  return leaves;
}

function checkScalar(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new ValueError(op, `f must return a Tensor, got ${describeValue(out)}`);
  if (out.size !== 1) throw new ShapeError(op, `f must return a scalar (one element), got shape ${formatShape(out.shape)}; reduce it (e.g. .sum()) or use vjp`);
  return out;
}

type Fn = (...args: any[]) => Tensor;

/**
 * The gradient of a scalar function, as a function (JAX's `grad`): `grad(f)(x, y)` is df/dx, and
 * `grad(f, [0, 1])(x, y)` is [df/dx, df/dy]. Arguments not differentiated pass through unchanged
 * (labels, options). Pure: no `.grad` of any tensor is changed, including tensors `f` closes over.
 */
export function grad<A extends any[]>(f: (...args: A) => Tensor, argnums?: number): (...args: A) => Tensor;
export function grad<A extends any[]>(f: (...args: A) => Tensor, argnums: readonly number[]): (...args: A) => Tensor[];
export function grad(f: Fn, argnums: number | readonly number[] = 0): (...args: any[]) => Tensor | Tensor[] {
  const g = valueAndGrad(f, argnums as readonly number[]);
  return (...args) => g(...args)[1];
}

/** Like `grad`, but returns `[value, gradient]` (the value detached from the graph). */
export function valueAndGrad<A extends any[]>(f: (...args: A) => Tensor, argnums?: number): (...args: A) => [Tensor, Tensor];
export function valueAndGrad<A extends any[]>(f: (...args: A) => Tensor, argnums: readonly number[]): (...args: A) => [Tensor, Tensor[]];
export function valueAndGrad(f: Fn, argnums: number | readonly number[] = 0): (...args: any[]) => [Tensor, Tensor | Tensor[]] {
  checkFunction(f, 'grad');
  if (typeof argnums !== 'number' && !Array.isArray(argnums)) throw new ValueError('grad', `argnums must be a number or a list of numbers, got ${String(argnums)}`);
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  return (...args) => {
    const leaves = differentiableLeaves('grad', args, list);
    const wrt = list.map((i) => leaves[i] as Tensor);
    const out = checkScalar('grad', evaluate(f, leaves, wrt));
    const deps = outerDependencies([out, ...list.map((i) => args[i])]);
    const grads = pureGradients(out, undefined, wrt, deps.length > 0).map((g) => result(g, deps));
    return [result(out, deps), typeof argnums === 'number' ? grads[0]! : grads];
  };
}

/**
 * Evaluates `f(...inputs)` and returns `[output, pullback]` (JAX's `vjp`): `pullback(dy)`, for a
 * cotangent shaped like the output, returns one gradient per input — the vector-Jacobian product
 * dyᵀ·J, never J itself. The pullback can be called any number of times.
 */
export function vjp(f: (...inputs: Tensor[]) => Tensor, ...inputs: TensorLike[]): [Tensor, (cotangent: Cotangent) => Tensor[]] {
  return vjpNamed('vjp', f, inputs);
}

/** `vjp` for a caller (gradcheck) whose name the errors should start with. */
export function vjpNamed(op: string, f: (...inputs: Tensor[]) => Tensor, inputs: readonly TensorLike[]): [Tensor, (cotangent: Cotangent) => Tensor[]] {
  checkFunction(f, op);
  const all = inputs.map((_, i) => i);
  const leaves = differentiableLeaves(op, inputs, all) as Tensor[];
  const out = evaluate(f, leaves, leaves);
  if (!(out instanceof Tensor)) throw new ValueError(op, `f must return a Tensor, got ${describeValue(out)}`);
  const deps = outerDependencies([out, ...inputs]);
  const pullback = (cotangent: Cotangent): Tensor[] => {
    const seed = toSeed(op, out, cotangent, 'cotangent');
    const all = deps.length === 0 ? outerDependencies([seed]) : [...new Set([...deps, ...outerDependencies([seed])])];
    return pureGradients(out, seed, leaves, all.length > 0).map((g) => result(g, all));
  };
  return [result(out, deps), pullback];
}

import { GraphError, ShapeError, Tensor, ValueError, dependencies, enableGrad, formatShape, fromData, gradients, isGradEnabled, record, toSeed, type Seed } from '@tensorgrad/core';
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
 * A gradient (or value) computed by a transform nested inside another transform's `f`, when it depends
 * on the outer transform's inputs: backward rules run without recording, so how it changes with those
 * inputs is unknown (`grad(grad(f))` — higher-order gradients — is not supported). Rather than let the
 * outer derivative silently treat it as a constant (and return 0), it is recorded as a node whose
 * backward throws: the outer transform fails loudly exactly when its output depends on it.
 */
function higherOrder(op: string, t: Tensor, deps: readonly Tensor[]): Tensor {
  if (deps.length === 0 || !isGradEnabled()) return t;
  return record(op, deps, t.detach(), () => {
    throw new GraphError(
      op,
      `higher-order gradients are not supported: a result of ${op} computed inside another transform's f was used in its output, and backward rules run without recording, so its own derivative is unknown (grad(grad(f)) would silently be 0)`,
    );
  });
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
 * gives zeros for it, as JAX gives for a constant function. (A nested transform's result never lands
 * here silently: see `higherOrder`.)
 */
function pureGradients(output: Tensor, seed: Tensor | undefined, wrt: readonly Tensor[]): Tensor[] {
  const zeros = (t: Tensor): Tensor => fromData(new Float64Array(t.size), t.shape);
  if (!output.requiresGrad) return wrt.map(zeros);
  return gradients(output, wrt, { seed, retainGraph: true }).map((g, i) => g ?? zeros(wrt[i]!));
}

/** Fresh leaves over the same storage as the arguments (no copy), requiring grad. */
function differentiableLeaves(op: string, args: readonly unknown[], argnums: readonly number[]): unknown[] {
  const leaves = args.slice();
  for (const i of argnums) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      throw new ValueError(op, `argnums ${String(i)} is not an argument index for ${args.length} argument${args.length === 1 ? '' : 's'}`);
    }
    const leaf = asTensor(args[i] as TensorLike, op).detach();
    leaf.requiresGrad = true;
    leaves[i] = leaf;
  }
  return leaves;
}

function checkScalar(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new ValueError(op, `f must return a Tensor, got ${out === null ? 'null' : typeof out}`);
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
    const grads = pureGradients(out, undefined, wrt).map((g) => higherOrder('grad', g, deps));
    return [higherOrder('grad', out.detach(), deps), typeof argnums === 'number' ? grads[0]! : grads];
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
  if (!(out instanceof Tensor)) throw new ValueError(op, `f must return a Tensor, got ${out === null ? 'null' : typeof out}`);
  const deps = outerDependencies([out, ...inputs]);
  const pullback = (cotangent: Cotangent): Tensor[] => {
    const seed = toSeed(op, out, cotangent, 'cotangent');
    const all = deps.length === 0 ? outerDependencies([seed]) : [...new Set([...deps, ...outerDependencies([seed])])];
    return pureGradients(out, seed, leaves).map((g) => higherOrder(op, g, all));
  };
  return [higherOrder(op, out.detach(), deps), pullback];
}

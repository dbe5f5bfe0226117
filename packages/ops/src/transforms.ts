import { ShapeError, Tensor, ValueError, enableGrad, formatShape, fromData, type BackwardOptions } from '@tensorgrad/core';
import { asTensor, checkFunction, type TensorLike } from './util.js';

/** A seed for a pullback: a tensor of the output's shape, a number for a scalar output, or flat values. */
export type Cotangent = Tensor | number | ArrayLike<number>;

/** Every leaf that requires grad in the graph behind `root` (iterative: no recursion over the graph). */
function graphLeaves(root: Tensor): Tensor[] {
  const leaves: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t._node === null) {
      if (t.requiresGrad) leaves.push(t);
      continue;
    }
    for (const input of t._node.inputs) {
      if (!seen.has(input)) {
        seen.add(input);
        stack.push(input);
      }
    }
  }
  return leaves;
}

/**
 * Backward from `output` that returns the gradients of `wrt` and leaves every `.grad` in the graph as it
 * was: tensors `f` closes over (model parameters, say) keep their accumulated gradients untouched, so
 * the transforms below are pure functions, as in JAX.
 */
function pureGradients(output: Tensor, seed: Cotangent | undefined, wrt: readonly Tensor[], options: BackwardOptions = {}): Tensor[] {
  if (!output.requiresGrad) return wrt.map((t) => fromData(new Float64Array(t.size), t.shape));
  const leaves = graphLeaves(output);
  const before = leaves.map((t) => t.grad);
  for (const t of wrt) t.grad = null;
  try {
    output.backward(seed, options);
    return wrt.map((t) => t.grad ?? fromData(new Float64Array(t.size), t.shape));
  } finally {
    leaves.forEach((t, i) => (t.grad = before[i]!));
  }
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
    const out = checkScalar('grad', enableGrad(() => f(...leaves)));
    const grads = pureGradients(out, undefined, list.map((i) => leaves[i] as Tensor));
    return [out.detach(), typeof argnums === 'number' ? grads[0]! : grads];
  };
}

/**
 * Evaluates `f(...inputs)` and returns `[output, pullback]` (JAX's `vjp`): `pullback(dy)`, for a
 * cotangent shaped like the output, returns one gradient per input — the vector-Jacobian product
 * dyᵀ·J, never J itself. The pullback can be called any number of times.
 */
export function vjp(f: (...inputs: Tensor[]) => Tensor, ...inputs: TensorLike[]): [Tensor, (cotangent: Cotangent) => Tensor[]] {
  checkFunction(f, 'vjp');
  const all = inputs.map((_, i) => i);
  const leaves = differentiableLeaves('vjp', inputs, all) as Tensor[];
  const out = enableGrad(() => f(...leaves));
  if (!(out instanceof Tensor)) throw new ValueError('vjp', `f must return a Tensor, got ${out === null ? 'null' : typeof out}`);
  const pullback = (cotangent: Cotangent): Tensor[] => {
    if (cotangent instanceof Tensor && cotangent.size !== out.size) {
      throw new ShapeError('vjp', `cotangent of shape ${formatShape(cotangent.shape)} does not match the output's shape ${formatShape(out.shape)}`);
    }
    return pureGradients(out, cotangent, leaves, { retainGraph: true });
  };
  return [out.detach(), pullback];
}

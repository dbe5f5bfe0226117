import { ShapeError, Tensor, ValueError, checkSize, describeValue, formatShape, fromData, shapesEqual } from '@tensorgrad/core';
import { grad, vjpNamed } from './transforms.js';
import { mul } from './binary/mul.js';
import { sum } from './reduce/sum.js';
import { reshape } from './shape/reshape.js';
import { stack } from './shape/stack.js';
import { asTensor, checkFunction, type TensorLike } from './util.js';

/** `v` as a constant tensor of `x`'s shape (a number or flat values are read row-major), or a ShapeError naming `op`. */
function tangent(op: string, x: Tensor, v: TensorLike | ArrayLike<number>, noun: string): Tensor {
  let t: Tensor;
  if (v instanceof Tensor) t = v;
  else if (typeof v === 'number') t = fromData(new Float64Array([v]), []);
  else if (v !== null && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number') {
    const values = Array.from(v as ArrayLike<number>);
    if (values.some((e) => typeof e !== 'number')) throw new ValueError(op, `the ${noun} holds a non-numeric value`);
    if (values.length !== x.size) throw new ShapeError(op, `a ${noun} of ${values.length} values does not fit x of shape ${formatShape(x.shape)}`);
    t = fromData(Float64Array.from(values), x.shape);
  } else throw new ValueError(op, `the ${noun} must be a Tensor, a number or an array of numbers, got ${describeValue(v)}`);
  if (t.size === x.size && t.size === 1 && !shapesEqual(t.shape, x.shape)) t = fromData(t.data, x.shape);
  if (!shapesEqual(t.shape, x.shape)) throw new ShapeError(op, `a ${noun} of shape ${formatShape(t.shape)} does not match x of shape ${formatShape(x.shape)}`);
  return t.detach();
}

function scalarOutput(op: string, f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x) => {
    const y = f(x);
    if (!(y instanceof Tensor)) throw new ValueError(op, `f must return a Tensor, got ${describeValue(y)}`);
    if (y.size !== 1) throw new ShapeError(op, `f must return a scalar (one element), got shape ${formatShape(y.shape)}`);
    return y;
  };
}

/**
 * The Hessian-vector product H·v of a scalar function at x (JAX's `hvp`, PyTorch's
 * `torch.autograd.functional.hvp`), reverse over reverse: the gradient of ⟨∇f(x), v⟩. Costs about two
 * gradients, never forms H. Shaped like x; pure (no `.grad` changes), as `grad`.
 */
export function hvp(f: (x: Tensor) => Tensor, x: TensorLike, v: TensorLike | ArrayLike<number>): Tensor {
  checkFunction(f, 'hvp');
  const x0 = asTensor(x, 'hvp');
  const u = tangent('hvp', x0, v, 'vector v');
  const g = grad(scalarOutput('hvp', f));
  return grad((t: Tensor) => sum(mul(g(t), u)))(x0);
}

/**
 * The Hessian of a scalar function at x, of shape [...x.shape, ...x.shape] (JAX's `hessian`): one
 * gradient recorded with createGraph, then one vector-Jacobian product of it per entry of x (row i is
 * ∂(∇f)/∂x_i). For small inputs: x of n entries costs n backward passes and n² values. Inside another
 * transform's f (its rows then depend on that transform's inputs) the rows are stacked with recorded
 * ops, so that the enclosing transform differentiates the Hessian too.
 */
export function hessian(f: (x: Tensor) => Tensor, x: TensorLike): Tensor {
  checkFunction(f, 'hessian');
  const x0 = asTensor(x, 'hessian');
  const n = x0.size;
  const shape = [...x0.shape, ...x0.shape];
  checkSize('hessian', shape);
  const [, pullback] = vjpNamed('hessian', grad(scalarOutput('hessian', f)), [x0]);
  const rows: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const e = new Float64Array(n);
    e[i] = 1;
    rows.push(pullback(fromData(e, x0.shape))[0]!);
  }
  if (rows.some((row) => row.requiresGrad)) return reshape(stack(rows), shape);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out.set(rows[i]!.data, i * n);
  return fromData(out, shape);
}

/**
 * The Jacobian-vector product J·v of f at x, with f's output (JAX's `jvp`: `[f(x), J·v]`). Forward mode
 * by two reverse passes (the double-VJP trick): u ↦ Jᵀu is linear, and the gradient of ⟨Jᵀu, v⟩ in u is
 * J·v. Shaped like f's output.
 */
export function jvp(f: (x: Tensor) => Tensor, x: TensorLike, v: TensorLike | ArrayLike<number>): [Tensor, Tensor] {
  checkFunction(f, 'jvp');
  const x0 = asTensor(x, 'jvp');
  const t = tangent('jvp', x0, v, 'tangent v');
  const [out, pullback] = vjpNamed('jvp', f, [x0]);
  // Called inside grad, the pullback records its pass (its cotangent is grad's input), so grad
  // differentiates it with respect to u.
  const jv = grad((u: Tensor) => sum(mul(pullback(u)[0]!, t)))(fromData(new Float64Array(out.size), out.shape));
  return [out, jv];
}

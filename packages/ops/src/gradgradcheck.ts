import { Random, Tensor, ValueError, describeValue, fromData, noGrad } from '@tensorgrad/core';
import { concat } from './shape/concat.js';
import { reshape } from './shape/reshape.js';
import { vjpNamed } from './transforms.js';
import { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
import { checkFunction } from './util.js';

/**
 * Checks second-order gradients (PyTorch's `gradgradcheck`): the function (x, u) ↦ Jᵀu, f's
 * vector-Jacobian product for a cotangent u, is itself checked by `gradcheck` against float64 centered
 * differences, with respect to the inputs and to u. The vector-Jacobian products are computed with
 * createGraph, so this exercises every op's recorded rule (and, through the u direction, that it is
 * linear in the upstream gradient). u starts at a fixed random value (seeded: `seed`). The options are
 * gradcheck's; the result too, with input index `inputs.length` standing for u.
 */
export function gradgradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  checkFunction(f, 'gradgradcheck');
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) {
    throw new ValueError('gradgradcheck', 'inputs must be a list of Tensors (f is called as f(...inputs))');
  }
  const n = inputs.length;
  const out = noGrad(() => f(...inputs));
  if (!(out instanceof Tensor)) throw new ValueError('gradgradcheck', `f must return a Tensor, got ${describeValue(out)}`);
  const random = new Random((options !== null && typeof options === 'object' && typeof options.seed === 'number' ? options.seed : 0) + 1);
  // gradcheck checks the inputs with requiresGrad when some have it: u is checked along with them.
  const requiresGrad = inputs.some((t) => t.requiresGrad);
  const u = fromData(Float64Array.from({ length: out.size }, () => random.normal()), out.shape, { name: 'u', requiresGrad });
  // (x, u) ↦ every input's gradient, flattened and joined: one tensor for gradcheck.
  const pullback = (...args: Tensor[]): Tensor => {
    const [, back] = vjpNamed('gradgradcheck', f, args.slice(0, n));
    const grads = back(args[n]!);
    return concat(grads.map((g) => reshape(g, [g.size])));
  };
  const wrt = options !== null && typeof options === 'object' && options.wrt !== undefined ? [...options.wrt, n] : undefined;
  return gradcheck(pullback, [...inputs, u], wrt === undefined ? options : { ...options, wrt });
}

import { ShapeError, Tensor, ValueError, broadcastAxis, describeValue, formatShape, shapesEqual, type ZeroGradOptions } from '@tensorgrad/core';

/** Throws a ValueError naming the optimizer unless `value` is a finite number >= `min` (and < `below`). */
export function checkHyperparameter(optimizer: string, name: string, value: number, min: number, below = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value >= below) {
    const range = below === Infinity ? `>= ${min}` : `in [${min}, ${below})`;
    throw new ValueError(optimizer, `${name} must be a finite number ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** How an error names a parameter: its index in the list, its name if any, its shape. */
export function describeParameter(index: number, p: Tensor): string {
  return `parameter ${index}${p.name ? ` '${p.name}'` : ''} of shape ${formatShape(p.shape)}`;
}

/** A parameter that step() updates, with the values of its gradient. */
export interface Update {
  readonly param: Tensor;
  readonly grad: Float64Array;
}

/**
 * Base class of the optimizers: holds the parameter list and clears gradients. `step()` updates every
 * parameter that requires grad and has a gradient (a frozen one is skipped), in place (through `mutate`, which bumps its version counter) and under
 * noGrad, so an update never becomes part of a graph. It checks everything (hyper-parameters, every
 * gradient) before it writes anything, so a refused step leaves parameters and optimizer state as they were.
 */
export abstract class Optimizer {
  readonly params: readonly Tensor[];
  readonly #name: string;

  protected constructor(name: string, params: Iterable<Tensor>) {
    this.#name = name;
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new ValueError(name, `params must be an iterable of Tensors (e.g. model.parameters()), got ${params === null ? 'null' : typeof params}`);
    }
    const list: Tensor[] = [];
    const seen = new Set<Tensor>();
    let index = 0;
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new ValueError(name, `parameter ${index} is not a Tensor`);
      const label = describeParameter(index, p);
      // A leaf that does not require grad (a frozen parameter) is accepted, as PyTorch does, so that
      // `new SGD(model.parameters())` works after freezing a layer; step() leaves it alone even if it
      // still holds a gradient from before it was frozen.
      if (!p.isLeaf) throw new ValueError(name, `${label} is not a leaf (it was computed by an op): an optimizer updates leaves only`);
      // A broadcast view repeats storage elements: an in-place update of it is refused (see mutate).
      const axis = broadcastAxis(p.shape, p.nd.stride);
      if (axis >= 0) throw new ValueError(name, `${label} is a broadcast view (stride 0 along axis ${axis}): it cannot be updated in place; pass a copy (clone())`);
      // The same tensor listed twice would be updated twice per step.
      if (!seen.has(p)) list.push(p);
      seen.add(p);
      index++;
    }
    if (list.length === 0) throw new ValueError(name, 'got an empty parameter list');
    this.params = list;
  }

  /**
   * Clears every parameter's accumulated gradient (call it before each backward): `.grad` becomes null
   * (PyTorch's default), or with `{ setToNone: false }` is filled with zeros in place, so that backward
   * adds into the same storage and a step allocates no weight-sized gradient (see nn's README, Optimizers).
   * Unlike null, a zero gradient is a gradient: step() still applies momentum and weight decay to a
   * parameter the last backward did not reach, as PyTorch does.
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    for (const p of this.params) p.zeroGrad(options);
  }

  abstract step(): void;

  /**
   * The parameters this step updates (requiring grad, with a gradient), each gradient checked against its
   * parameter's shape: a ShapeError naming the optimizer and the parameter otherwise. Writes nothing.
   */
  protected updates(): Update[] {
    const out: Update[] = [];
    this.params.forEach((p, index) => {
      // Frozen (requiresGrad false, maybe since its last backward) or not reached by backward: no update.
      // _peekGrad: reading .grad would hand the gradient out (see Tensor.grad).
      const grad = p._peekGrad();
      if (grad === null || !p.requiresGrad) return;
      if (!(grad instanceof Tensor)) {
        throw new ValueError(this.#name, `${describeParameter(index, p)} has a gradient that is not a Tensor (${describeValue(grad)}); step() updated nothing`);
      }
      if (!shapesEqual(grad.shape, p.shape)) {
        throw new ShapeError(this.#name, `${describeParameter(index, p)} has a gradient of shape ${formatShape(grad.shape)}; step() updated nothing (a gradient has its parameter's shape)`);
      }
      out.push({ param: p, grad: grad.data });
    });
    return out;
  }
}

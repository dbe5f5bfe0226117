import { AnomalyError, GraphError, ValueError } from './errors.js';
import { formatShape } from './shape.js';
import { describeTensor, type Tensor } from './tensor.js';
import { currentScope, isAnomalyEnabled, isGradEnabled } from './modes.js';
import type { PendingGradient } from './accumulate.js';

/**
 * A backward rule: a vector-Jacobian product. Given the gradient of the output (shaped like the output),
 * it returns one gradient per input, shaped like that input, or null where an input needs none.
 * It never builds a Jacobian.
 */
export type BackwardFn = (dy: Tensor) => readonly (Tensor | PendingGradient | null)[];

/** What a recorded op leaves on its output for the backward pass. */
export interface GraphNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Null once the graph has been released by a backward pass. */
  backward: BackwardFn | null;
  /** Tensors the rule reads, with their version at forward time. */
  saved: readonly { tensor: Tensor; version: number }[];
  /**
   * The rule built from recorded ops, which backward runs with `{ createGraph: true }` so that the
   * gradients it returns are themselves in the graph (differentiable again); null when the op has none
   * (then a second derivative through it throws a HigherOrderError) or once released.
   */
  double: BackwardFn | null;
  /**
   * Tensors the recorded rule reads beyond `saved` (the logits a fused loss's recorded rule recomputes
   * its softmax from), with their version at forward time: checked only by a `{ createGraph: true }`
   * pass, which runs that rule. Empty for most ops.
   */
  doubleSaved: readonly { tensor: Tensor; version: number }[];
  /** What was running the op (the innermost `withScope`: an nn Module's forward), or null. */
  readonly scope: unknown;
}

const registry = new Set<string>();

/**
 * Registers an op under a name and returns it, named: defining an op is registering it (tests ask
 * `registeredOps()` which ops exist, so no hand-kept list can drift), and stack traces and profiles
 * show `relu` rather than an anonymous arrow.
 */
export function defineOp<F extends (...args: any[]) => Tensor>(name: string, fn: F): F {
  if (registry.has(name)) throw new ValueError('defineOp', `an op named '${name}' is already defined`);
  registry.add(name);
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

/** Names of every op defined so far. */
export function registeredOps(): string[] {
  return [...registry].sort();
}

/**
 * Records `out` as the result of `op` applied to `inputs`: when grad is enabled and some input requires
 * grad, `out` requires grad and remembers the backward rule. `saved` lists the tensors the rule reads,
 * so that an in-place write to one of them between forward and backward is caught.
 *
 * `double` is the same vector-Jacobian product written with recorded ops (reading only `inputs`, the
 * output, `saved` and the upstream gradient as tensors, never their raw arrays), for higher-order
 * gradients: `backward` runs it instead of `backward` only under `{ createGraph: true }`, so the
 * first-order rule can stay a fused loop. An op whose first-order rule is already built from recorded
 * ops passes that same rule. Without one, a second derivative through the op throws a HigherOrderError
 * naming it. `doubleSaved` lists the tensors `double` reads that are not in `saved` (a fused loss whose
 * first-order rule keeps a private array but whose recorded rule reads the logits): a createGraph pass
 * refuses with an InPlaceError when one was written in place since, as a plain pass does for `saved`.
 */
export function record(
  op: string,
  inputs: readonly Tensor[],
  out: Tensor,
  backward: BackwardFn,
  saved: readonly Tensor[] = [],
  double: BackwardFn | null = null,
  doubleSaved: readonly Tensor[] = NONE,
): Tensor {
  if (isAnomalyEnabled()) checkFinite(op, 'output', out, null, inputs, 'every input was finite, so this op produced it');
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return out;
  if (out._node !== null || inputs.includes(out)) {
    // Recording onto an input (or onto another op's result) would overwrite its graph or make a cycle.
    throw new GraphError(op, 'an op must return a new tensor (a view is fine), not one of its inputs or another recorded result');
  }
  out.requiresGrad = true;
  out._node = {
    op,
    inputs,
    backward,
    saved: saved.map(versioned),
    double,
    doubleSaved: doubleSaved.length === 0 ? NONE_SAVED : doubleSaved.map(versioned),
    scope: currentScope(),
  };
  return out;
}

const NONE: readonly Tensor[] = Object.freeze([]);
const NONE_SAVED: readonly { tensor: Tensor; version: number }[] = Object.freeze([]);

function versioned(tensor: Tensor): { tensor: Tensor; version: number } {
  return { tensor, version: tensor.version };
}

/** An op's input in an error message: `input 1 'bias' of shape [2]`. */
export function describeInput(t: Tensor, index: number): string {
  return describeTensor(t, `input ${index}`);
}

function firstNonFinite(t: Tensor): number {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

/**
 * Anomaly mode: throws naming the op, the shapes it was given (the upstream gradient's first, when
 * checking a backward rule), and which of them already held a non-finite value — or that all were
 * finite, so this op made it.
 */
export function checkFinite(op: string, what: string, result: Tensor, upstream: Tensor | null, inputs: readonly Tensor[], produced: string): void {
  const bad = firstNonFinite(result);
  if (bad < 0) return;
  const sources = inputs.map((tensor, i) => ({ label: describeInput(tensor, i), tensor }));
  const shapes = inputs.map((t) => formatShape(t.shape));
  if (upstream !== null) {
    sources.unshift({ label: 'the upstream gradient', tensor: upstream });
    shapes.unshift(`upstream gradient ${formatShape(upstream.shape)}`);
  }
  const culprit = sources.find((s) => firstNonFinite(s.tensor) >= 0);
  const cause = culprit ? `${culprit.label} already held ${culprit.tensor.data[firstNonFinite(culprit.tensor)]}` : produced;
  throw new AnomalyError(op, `${what} holds ${result.data[bad]} at flat index ${bad} (inputs ${shapes.join(', ')}); ${cause}`);
}

/**
 * The tensors behind `root` that require grad (with `everyTensor`, also data and constants, as a diagram
 * shows them), `root` first and every tensor before the tensors it was computed from (a reversed
 * depth-first post-order). Iterative: a 100,000-op chain must not overflow the stack.
 */
export function topologicalOrder(root: Tensor, everyTensor = false): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: { tensor: Tensor; next: number }[] = [{ tensor: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top.tensor._node?.inputs;
    if (inputs !== undefined && top.next < inputs.length) {
      const input = inputs[top.next++]!;
      if ((everyTensor || input.requiresGrad) && !visited.has(input)) {
        visited.add(input);
        stack.push({ tensor: input, next: 0 });
      }
    } else {
      stack.pop();
      order.push(top.tensor);
    }
  }
  return order.reverse();
}

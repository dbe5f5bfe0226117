import { GraphError, HigherOrderError, InPlaceError, ShapeError, ValueError, describeValue } from './errors.js';
import { formatShape, shapesEqual } from './shape.js';
import { Tensor, describeTensor, fromData } from './tensor.js';
import { checkOptions, type OptionSpec } from './options.js';
import { enableGrad, isAnomalyEnabled, noGrad } from './modes.js';
import { checkFinite, describeInput, record, topologicalOrder, type GraphNode } from './graph.js';
import { Arrivals, PendingGradient, accumulateGraphGrads, accumulateGrads, handOut } from './accumulate.js';

/** One step of a backward pass, as reported to `onStep`. */
export interface BackwardStep {
  readonly op: string;
  readonly output: Tensor;
  readonly inputs: readonly Tensor[];
  /** The gradient arriving at the op's output (the sum over its consumers). */
  readonly upstream: Tensor;
  /** The gradient each input receives from this op (before summing over branches). */
  readonly downstream: readonly (Tensor | null)[];
}

export interface BackwardOptions {
  /** Keep the graph (and what ops saved) so that backward can run through it again (default: createGraph). */
  retainGraph?: boolean;
  /**
   * Record the backward pass itself: the gradients are tensors in the graph, functions of the inputs,
   * so they can be differentiated again (Hessian-vector products, gradient penalties). Default false.
   */
  createGraph?: boolean;
  /** Called once per op in the order the engine runs them; for transcripts and diagrams. */
  onStep?: (step: BackwardStep) => void;
}


/**
 * The tensors among `candidates` that `root` was computed from (or `root` itself), following recorded
 * ops; for the function transforms, which must know whether a result depends on an enclosing
 * transform's inputs.
 */
export function dependencies(root: Tensor, candidates: ReadonlySet<Tensor>): Tensor[] {
  if (!root.requiresGrad) return [];
  return topologicalOrder(root).filter((t) => candidates.has(t));
}

/** A seed for backward: a tensor of the output's shape, a number for a one-element output, or flat values. */
export type Seed = Tensor | number | ArrayLike<number>;

/**
 * The seed of a backward pass as a tensor of the output's shape: 1 for a one-element output when none
 * is given; a Tensor must have the output's shape; a number or flat values are read in row-major order.
 * `op` and `noun` word the errors for the caller ('backward' and 'seed gradient'; the transforms say
 * 'vjp' and 'cotangent').
 */
export function toSeed(op: string, root: Tensor, seed: Seed | undefined | null, noun = 'seed gradient'): Tensor {
  if (seed === undefined || seed === null) {
    if (root.size !== 1) {
      throw new GraphError(
        op,
        `the output has shape ${formatShape(root.shape)}, not a scalar: pass a ${noun} of that shape, or reduce it first (e.g. y.sum().backward())`,
      );
    }
    return fromData(new Float64Array([1]), root.shape);
  }
  if (seed instanceof Tensor) {
    if (!shapesEqual(seed.shape, root.shape)) {
      throw new ShapeError(op, `a ${noun} of shape ${formatShape(seed.shape)} does not match the output's shape ${formatShape(root.shape)}`);
    }
    return seed;
  }
  if (typeof seed !== 'number' && (typeof seed !== 'object' || typeof (seed as ArrayLike<number>).length !== 'number')) {
    throw new ValueError(op, `a ${noun} is a Tensor, a number or an array of numbers, got ${describeValue(seed)}`);
  }
  const values = typeof seed === 'number' ? [seed] : Array.from(seed);
  if (values.length !== root.size) {
    throw new ShapeError(op, `a ${noun} of ${values.length} value${values.length === 1 ? '' : 's'} does not fit the output's shape ${formatShape(root.shape)} (${root.size} element${root.size === 1 ? '' : 's'})`);
  }
  if (values.some((v) => typeof v !== 'number')) throw new ValueError(op, `the ${noun} holds a non-numeric value`);
  return fromData(Float64Array.from(values), root.shape);
}

function releasedError(op: string, behind: string): GraphError {
  return new GraphError(
    op,
    `the graph behind '${behind}' was already released by a backward pass; pass { retainGraph: true } to the first backward to run it twice`,
  );
}

/**
 * Before any rule runs: every node that will run still has its rule, and nothing it saved was written
 * in place since the forward pass. Under createGraph the recorded rules run, so what they read beyond
 * `saved` (`doubleSaved`) is checked too; a plain pass never looks at it.
 */
function checkGraph(op: string, order: readonly Tensor[], runs: (t: Tensor) => boolean, createGraph: boolean): void {
  for (const t of order) {
    if (!runs(t)) continue;
    const node = t._node!;
    if (node.backward === null) throw releasedError(op, node.op);
    for (const { tensor, version } of node.saved) {
      if (tensor.version !== version) {
        throw new InPlaceError(
          node.op,
          `${describeTensor(tensor)} saved for backward was modified in place (version ${version} at forward, ${tensor.version} now)`,
        );
      }
    }
    if (!createGraph || node.double === null) continue;
    for (const { tensor, version } of node.doubleSaved) {
      if (tensor.version !== version) {
        throw new InPlaceError(
          node.op,
          `${describeTensor(tensor)} read by the op's recorded rule (createGraph) was modified in place (version ${version} at forward, ${tensor.version} now)`,
        );
      }
    }
  }
}

/** The engine's check of each returned gradient: a tensor (or pending gradient) of its input's shape. */
function checkGradientShape(node: GraphNode, i: number, g: unknown): void {
  if ((g instanceof Tensor || g instanceof PendingGradient) && shapesEqual(g.shape, node.inputs[i]!.shape)) return;
  const got = g instanceof Tensor || g instanceof PendingGradient ? `a gradient of shape ${formatShape(g.shape)}` : `${describeValue(g)} instead of a tensor`;
  throw new ShapeError(node.op, `backward returned ${got} for ${describeInput(node.inputs[i]!, i)}`);
}

/** What a walk from the output leaves behind: the tensors it visited and the gradients it collected. */
interface Walk {
  seed: Tensor;
  /** The tensors walked, output first. */
  order: Tensor[];
  /** Those of them whose rule ran (with targets, a target's own rule runs only if another lies behind it). */
  ran: Tensor[];
  /** The gradient arriving at each collected tensor (the sum over its consumers). */
  collected: Map<Tensor, Tensor>;
  /** Leaves whose only gradient is a PendingGradient, still to be added into their `.grad` in place. */
  pending: Map<Tensor, PendingGradient>;
}

/**
 * The tensors of `order` (output first, each before its inputs) that lie on a path from the output to
 * one of `targets`: walking it backwards, a tensor is on a path if it is a target or one of its inputs is.
 */
function pathsTo(order: readonly Tensor[], targets: ReadonlySet<Tensor>): Tensor[] {
  const on = new Set<Tensor>();
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    if (targets.has(t) || (t._node !== null && t._node.inputs.some((input) => on.has(input)))) on.add(t);
  }
  return order.filter((t) => on.has(t));
}

/**
 * The walk shared by `backward` and `gradients`. Checks the whole walk first (released nodes, in-place
 * writes), then runs the rules from the output towards the inputs, summing gradients at branches, and
 * collects the gradient of each tensor `collect` selects. Changes nothing outside the returned maps, so
 * a failure leaves no half-updated `.grad` and no half-released graph. With `targets`, only the ops on a
 * path from the output to a target run (PyTorch's `torch.autograd.grad(outputs, inputs)`).
 */
function walk(op: string, root: Tensor, seedValue: Seed | undefined | null, onStep: BackwardOptions['onStep'], targets: ReadonlySet<Tensor> | null, createGraph = false): Walk {
  if (!root.requiresGrad) {
    throw new GraphError(op, `the tensor${root.name ? ` '${root.name}'` : ''} of shape ${formatShape(root.shape)} does not require grad: no graph leads to it`);
  }
  const all = topologicalOrder(root);
  const order = targets === null ? all : pathsTo(all, targets);
  // Without targets the walk is every tensor behind the output that requires grad.
  const path = targets === null ? null : new Set(order);
  const onPath = path === null ? (t: Tensor): boolean => t.requiresGrad : (t: Tensor): boolean => path.has(t);
  // A node runs when one of its inputs is on the walk.
  const runs = (t: Tensor): boolean => t._node !== null && t._node.inputs.some(onPath);
  checkGraph(op, order, runs, createGraph);
  const seed = toSeed(op, root, seedValue);
  const collect = targets === null ? (t: Tensor) => t._node === null || t._retainGrad : (t: Tensor) => targets.has(t);
  const anomaly = isAnomalyEnabled();
  const arriving = new Arrivals(root, seed, targets === null && onStep === undefined && !anomaly && !createGraph, createGraph);
  const collected = new Map<Tensor, Tensor>();
  // The first-order rules run without recording; under createGraph the ops' recorded rules run with
  // recording on, so that the gradients are in the graph.
  const pass = (): void => {
    for (const t of order) {
      const g = arriving.take(t);
      if (g === undefined) continue;
      if (collect(t)) collected.set(t, g);
      if (!runs(t)) continue;
      const node = t._node!;
      // Checked before the walk; a backward called from onStep or a rule can release it since.
      if (node.backward === null) throw releasedDuringPass(op, node.op);
      const returned = createGraph ? recordedRule(node, g) : node.backward(g);
      if (returned.length !== node.inputs.length) {
        throw new GraphError(node.op, `backward rule returned ${returned.length} gradient${returned.length === 1 ? '' : 's'} for ${node.inputs.length} input${node.inputs.length === 1 ? '' : 's'}`);
      }
      // What onStep reports: the rule's gradients, as tensors (null for one kept aside as pending).
      const downstream: (Tensor | null)[] = [];
      for (let i = 0; i < node.inputs.length; i++) {
        const input = node.inputs[i]!;
        const gi = returned[i] ?? null;
        if (gi === null || !onPath(input)) {
          downstream.push(gi instanceof PendingGradient ? (onStep === undefined ? null : gi.toTensor()) : gi);
          continue;
        }
        checkGradientShape(node, i, gi);
        const arrived = arriving.add(input, gi);
        downstream.push(arrived);
        if (anomaly && arrived !== null) {
          checkFinite(node.op, `backward's gradient for ${describeInput(input, i)}`, arrived, g, node.inputs, "the upstream gradient and the op's inputs were finite, so this op's backward produced it");
        }
      }
      onStep?.({ op: node.op, output: t, inputs: node.inputs, upstream: g, downstream });
    }
  };
  if (createGraph) enableGrad(pass);
  else noGrad(pass);
  return { seed, order, ran: targets === null ? order : order.filter(runs), collected, pending: arriving.pending };
}

/**
 * An op's rule under createGraph: its recorded rule, or, for an op without one, its first-order rule
 * (run without recording) with each gradient recorded as a node whose backward throws: the pass
 * succeeds, and a second derivative through the op fails loudly, naming it, instead of being 0.
 */
function recordedRule(node: GraphNode, g: Tensor): readonly (Tensor | PendingGradient | null)[] {
  if (node.double !== null) return node.double(g);
  const returned = noGrad(() => node.backward!(g));
  const sources = [g, ...node.inputs].filter((t) => t.requiresGrad);
  if (sources.length === 0) return returned;
  const refuse = (): never => {
    throw new HigherOrderError(
      node.op,
      `no second-order rule: a gradient computed through '${node.op}' with { createGraph: true } was differentiated again, but the backward rule of '${node.op}' is a fused loop without a recorded twin (record's double argument), so its own derivative is unknown`,
    );
  };
  return returned.map((gi) => (gi === null ? null : record(`${node.op}.backward`, sources, (gi instanceof PendingGradient ? gi.toTensor() : gi).detach(), refuse)));
}

function releasedDuringPass(op: string, behind: string): GraphError {
  return new GraphError(
    op,
    `the graph behind '${behind}' was released during this pass, by a backward called from onStep or a backward rule; pass { retainGraph: true } to that inner backward (or run it after this one)`,
  );
}

/** Drops the rules and saved tensors of the walked nodes (op names and inputs stay, for diagrams). */
function release(order: readonly Tensor[]): void {
  for (const t of order) {
    if (t._node === null) continue;
    t._node.backward = null;
    t._node.double = null;
    t._node.saved = [];
    t._node.doubleSaved = [];
  }
}

/**
 * The engine behind `Tensor.backward`: walks the whole graph behind `root`, then (only once the walk
 * succeeded) adds the gradients into the `.grad` of leaves and `retainGrad()` tensors and, unless
 * `retainGraph`, releases the graph.
 */
export function runBackward(root: Tensor, seedValue: Seed | undefined, options: BackwardOptions): void {
  const createGraph = options.createGraph ?? false;
  const { seed, order, collected, pending } = walk('backward', root, seedValue, options.onStep, null, createGraph);
  if (createGraph) accumulateGraphGrads(seed, collected);
  else accumulateGrads(seed, collected, pending);
  if (!(options.retainGraph ?? createGraph)) release(order);
}

export interface GradientsOptions {
  /** The gradient of the output, as for `backward` (default 1 for a one-element output). */
  seed?: Seed;
  /** Keep the walked part of the graph so that it can be differentiated again (default: createGraph). */
  retainGraph?: boolean;
  /** Record the pass: the gradients returned are in the graph and can be differentiated again (default false). */
  createGraph?: boolean;
  /** As for `backward`: called once per op run. */
  onStep?: (step: BackwardStep) => void;
}

const GRADIENTS_OPTIONS: OptionSpec = { seed: 'any', retainGraph: 'boolean', createGraph: 'boolean', onStep: 'function' };

/**
 * The gradients of `output` with respect to `inputs` (PyTorch's `torch.autograd.grad`): only the ops on
 * a path from `output` to an input run, and no `.grad` anywhere is read or written (nor do `retainGrad()`
 * tensors keep anything), so it is a pure function of the graph. Returns one gradient per input, or null
 * for an input the output does not depend on. An input may be an intermediate tensor: it gets the
 * gradient arriving at it. Unless `retainGraph`, the nodes whose rules ran are released as `backward` releases
 * its graph (the function transforms always retain it: the graph may belong to the caller).
 */
export function gradients(output: Tensor, inputs: readonly Tensor[], options: GradientsOptions = {}): (Tensor | null)[] {
  if (!(output instanceof Tensor)) throw new ValueError('gradients', `the output must be a Tensor, got ${describeValue(output)}`);
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) throw new ValueError('gradients', `inputs must be a list of Tensors, got ${describeValue(inputs)}`);
  const checked = checkOptions('gradients', options, GRADIENTS_OPTIONS, '{ retainGraph: true }');
  const createGraph = checked.createGraph ?? false;
  const { seed, ran, collected } = walk('gradients', output, checked.seed, checked.onStep, new Set(inputs), createGraph);
  const own = handOut(seed, createGraph);
  const result = inputs.map((t) => {
    const g = collected.get(t);
    return g === undefined ? null : own(g);
  });
  if (!(checked.retainGraph ?? createGraph)) release(ran);
  return result;
}

import { GraphError, PendingGradient, formatShape, fromData, gradients, shapesEqual, type BackwardStep, type Tensor } from '@tensorgrad/core';
import { gateInfo } from './gates.js';
import { collectGraph } from './graph.js';

/** One gate of a traced backward pass. */
export interface TraceStep {
  /** 1 for the first gate the engine ran (the one that produced the output), and so on. */
  readonly index: number;
  readonly op: string;
  readonly output: Tensor;
  readonly inputs: readonly Tensor[];
  /** The gradient arriving at the gate's output: the sum over everything that read it. */
  readonly upstream: Tensor;
  /** What the gate sends to each input (null for an input that needs no gradient). */
  readonly downstream: readonly (Tensor | null)[];
  /**
   * The local gradient of each input where it is a tensor of the input's shape that multiplies the upstream
   * gradient elementwise: for elementwise gates, and for any gate with a one-element output. Null where the
   * local gradient is a Jacobian nobody should build (matmul, shape ops): their rule is explained instead.
   */
  readonly local: readonly (Tensor | null)[];
}

/** What a backward pass did, gate by gate: enough to draw every gradient on a diagram and to explain it. */
export interface BackwardTrace {
  readonly output: Tensor;
  /** d(output)/d(output): the gradient the pass started from. */
  readonly seed: Tensor;
  /** The gates in the order the engine ran them. */
  readonly steps: readonly TraceStep[];
  /** The total gradient that reached `t` (summed over its uses), or null if none did. */
  gradient(t: Tensor): Tensor | null;
  /** The gradient that the gate producing `consumer` sent to its input number `slot`, before branches add. */
  contribution(consumer: Tensor, slot: number): Tensor | null;
}

export interface TraceOptions {
  /**
   * Keep the graph after the pass so that `output.backward()` can still run (for training). Default true:
   * tracing is meant to look at a pass, not to use the graph up.
   */
  retainGraph?: boolean;
}

const lastTraces = new WeakMap<Tensor, BackwardTrace>();

function copy(t: Tensor): Tensor {
  return fromData(t.data.slice(), t.shape);
}

// The engine's addInto, which core does not export: summing the branches of a same-shaped gradient.
function addTensors(a: Tensor, b: Tensor): Tensor {
  const x = a.data;
  const y = b.data;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + y[i]!;
  return fromData(out, a.shape);
}

/**
 * Runs `output.backward(seed)` and records every gate on the way: upstream, local and downstream
 * gradients, and the total gradient of every tensor. Like backward, it accumulates into the `.grad` of
 * leaves. `toDot`, `renderSvg` and `explainBackward` of the same output use the trace without being given it.
 */
export function traceBackward(output: Tensor, seed?: Tensor | number | ArrayLike<number>, options: TraceOptions = {}): BackwardTrace {
  return trace('traceBackward', output, seed, options.retainGraph ?? true, true);
}

/**
 * The same trace without touching any `.grad` (for `explainBackward`, which only looks): core's
 * `gradients` walks the graph, retained, towards every leaf that requires grad and writes nothing.
 */
export function traceGradients(op: string, output: Tensor): BackwardTrace {
  return trace(op, output, undefined, true, false);
}

function trace(op: string, output: Tensor, seed: Tensor | number | ArrayLike<number> | undefined, retainGraph: boolean, accumulate: boolean): BackwardTrace {
  if (!output.requiresGrad) {
    throw new GraphError(op, `the tensor${output.name ? ` '${output.name}'` : ''} does not require grad: no graph leads to it (create its inputs with { requiresGrad: true })`);
  }
  const steps: TraceStep[] = [];
  const totals = new Map<Tensor, Tensor>();
  const contributions = new Map<Tensor, (Tensor | null)[]>();
  const onStep = (step: BackwardStep): void => {
    if (steps.length === 0) totals.set(step.output, copy(step.upstream));
    const downstream = step.downstream.map((g, i) => (g === null || g === undefined || !step.inputs[i]!.requiresGrad ? null : copy(g)));
    downstream.forEach((g, i) => {
      if (g === null) return;
      const input = step.inputs[i]!;
      const existing = totals.get(input);
      totals.set(input, existing === undefined ? g : addTensors(existing, g));
    });
    contributions.set(step.output, downstream);
    steps.push({
      index: steps.length + 1,
      op: step.op,
      output: step.output,
      inputs: step.inputs,
      upstream: copy(step.upstream),
      downstream,
      local: localGradients(step.op, step.output, step.inputs, downstream),
    });
  };
  let seedTensor: Tensor;
  if (accumulate) {
    output.backward(seed, { retainGraph, onStep });
    // An output that is itself a leaf runs no gate: its gradient is the seed the engine stored.
    seedTensor = steps[0]?.upstream ?? (output.grad !== null ? copy(output.grad) : fromData(new Float64Array(output.size).fill(1), output.shape));
  } else {
    if (output.size !== 1) {
      throw new GraphError(
        op,
        `the output has shape ${formatShape(output.shape)}, not a scalar: explain a reduction of it (${op}(y.sum())), or a trace with a seed of its shape (${op}(traceBackward(y, seed)))`,
      );
    }
    const graph = collectGraph(output);
    const released = graph.tensors.find((t) => t._node !== null && t._node.backward === null && t.requiresGrad);
    if (released !== undefined) {
      throw new GraphError(
        op,
        `the graph behind '${released._node!.op}' was already released by a backward pass; to explain a pass, run it as traceBackward(output) instead of output.backward() (it keeps the graph), or pass { retainGraph: true } to backward`,
      );
    }
    // The output is a target too, so that the seed comes back (the whole pass when it is a leaf itself).
    const leaves = graph.tensors.filter((t) => t._node === null && t.requiresGrad && t !== output);
    const result = gradients(output, [output, ...leaves], { retainGraph: true, onStep });
    seedTensor = steps[0]?.upstream ?? result[0]!;
  }
  if (!totals.has(output)) totals.set(output, seedTensor);
  const trace: BackwardTrace = {
    output,
    seed: seedTensor,
    steps,
    gradient: (t) => totals.get(t) ?? null,
    contribution: (consumer, slot) => contributions.get(consumer)?.[slot] ?? null,
  };
  lastTraces.set(output, trace);
  return trace;
}

/** The most recent trace of `output`, if `traceBackward` (or `explainBackward`) ran on it. */
export function lastTrace(output: Tensor): BackwardTrace | undefined {
  return lastTraces.get(output);
}

/**
 * The local gradient as a tensor, where there is one: the rule applied to an upstream gradient of ones
 * gives the diagonal of the Jacobian for an elementwise gate, and the whole (one-row) Jacobian for a gate
 * with a one-element output. It runs while the engine still holds the rule (inside onStep).
 */
function localGradients(op: string, output: Tensor, inputs: readonly Tensor[], downstream: readonly (Tensor | null)[]): (Tensor | null)[] {
  const rule = output._node?.backward ?? null;
  const elementwise = gateInfo(op).elementwise === true;
  const wanted = inputs.map((input, i) => downstream[i] !== null && (output.size === 1 || (elementwise && shapesEqual(input.shape, output.shape))));
  if (rule === null || !wanted.some(Boolean)) return inputs.map(() => null);
  let ones: readonly (Tensor | PendingGradient | null)[];
  try {
    ones = rule(fromData(new Float64Array(output.size).fill(1), output.shape));
  } catch {
    // A rule that cannot run twice only costs the transcript its local numbers; the formula still shows.
    return inputs.map(() => null);
  }
  return inputs.map((input, i) => {
    const returned = ones[i];
    if (!wanted[i] || returned === null || returned === undefined) return null;
    const g = returned instanceof PendingGradient ? returned.toTensor() : returned;
    return shapesEqual(g.shape, input.shape) ? copy(g) : null;
  });
}

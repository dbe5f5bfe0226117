/**
 * The lecture's two worked circuits with inputs the user edits: f = (x + y)·z, and the sigmoid neuron
 * f = 1 / (1 + exp(-(w0·x0 + w1·x1 + w2))) built gate by gate (×, +, ×-1, exp, +1, 1/x) as the lecture
 * draws it. Each evaluation builds the graph afresh, runs backward and keeps the trace viz draws from.
 * No DOM here.
 */
import { tensor, type Tensor } from 'tensorgrad';
import { explainBackward, renderSvg, traceBackward, type BackwardTrace } from '@tensorgrad/viz';

export interface CircuitSpec {
  id: 'circuit' | 'neuron';
  title: string;
  /** Input names in the order they are shown, with the lecture's values. */
  inputs: readonly { name: string; value: number }[];
  build(leaves: Record<string, Tensor>): Tensor;
}

export const CIRCUIT: CircuitSpec = {
  id: 'circuit',
  title: 'f(x, y, z) = (x + y) · z',
  inputs: [
    { name: 'x', value: -2 },
    { name: 'y', value: 5 },
    { name: 'z', value: -4 },
  ],
  build: ({ x, y, z }) => x!.add(y!).named('q').mul(z!).named('f'),
};

export const NEURON: CircuitSpec = {
  id: 'neuron',
  title: 'sigmoid neuron: f = 1 / (1 + exp(-(w0·x0 + w1·x1 + w2)))',
  inputs: [
    { name: 'w0', value: 2 },
    { name: 'x0', value: -1 },
    { name: 'w1', value: -3 },
    { name: 'x1', value: -2 },
    { name: 'w2', value: -3 },
  ],
  build: ({ w0, x0, w1, x1, w2 }) => w0!.mul(x0!).add(w1!.mul(x1!)).add(w2!).named('s').neg().exp().add(1).reciprocal().named('f'),
};

export interface Evaluated {
  /** The output's value. */
  f: number;
  /** d f / d input, by input name. */
  gradients: Record<string, number>;
  output: Tensor;
  trace: BackwardTrace;
}

/** Forward and backward at `values` (by input name; missing ones take the lecture's value). */
export function evaluate(spec: CircuitSpec, values: Record<string, number>): Evaluated {
  const leaves: Record<string, Tensor> = {};
  for (const { name, value } of spec.inputs) leaves[name] = tensor(values[name] ?? value, { requiresGrad: true, name });
  const output = spec.build(leaves);
  const trace = traceBackward(output);
  const gradients: Record<string, number> = {};
  for (const { name } of spec.inputs) gradients[name] = leaves[name]!.grad!.item();
  return { f: output.item(), gradients, output, trace };
}

/** The lecture's diagram (values in green above each wire, gradients in red below) as an SVG document. */
export function diagram(spec: CircuitSpec, evaluated: Evaluated): Promise<string> {
  return renderSvg(evaluated.output, { trace: evaluated.trace, decimals: 2, title: spec.title });
}

/** "upstream × local = downstream" at every gate, as `pnpm example` prints it. */
export function transcript(evaluated: Evaluated): string {
  return explainBackward(evaluated.trace, { decimals: 2 });
}

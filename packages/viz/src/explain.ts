import { Tensor } from '@tensorgrad/core';
import { fillNames, gateInfo } from './gates.js';
import { collectGraph, isFoldedConstant, type GraphView } from './graph.js';
import { lastTrace, traceGradients, type BackwardTrace } from './trace.js';
import { formatConstant, formatValue, type ValueFormat } from './values.js';

export type ExplainOptions = ValueFormat;

/**
 * The backward pass as text, one line per gate in the order the engine ran them, in the lecture's
 * "upstream gradient × local gradient = downstream gradient" form, for each input of the gate:
 *
 *     1. mul  f = q × z   q: 1.00 × -4.00 [z] = -4.00;  z: 1.00 × 3.00 [q] = 3.00
 *
 * For a gate whose local gradient is a Jacobian that is never built (matmul, shape ops) the line shows the
 * rule that makes the downstream gradient from the upstream one instead (`W: dy·xᵀ = ...`). A last line
 * gives each leaf's gradient, as a sum where the leaf fans out (gradients add at branches).
 *
 * Given a tensor, it explains the last `traceBackward` of it, or traces one now without writing any
 * `.grad` (explaining only looks: `explainBackward(loss); loss.backward(); opt.step()` steps with the
 * gradient of one pass) and keeping the graph, so that `loss.backward()` still runs afterwards.
 */
export function explainBackward(target: Tensor | BackwardTrace, options: ExplainOptions = {}): string {
  const trace = target instanceof Tensor ? lastTrace(target) ?? traceGradients('explainBackward', target) : target;
  const graph = collectGraph(trace.output);
  const format: ValueFormat = { decimals: options.decimals, maxElements: options.maxElements };
  const value = (t: Tensor): string => formatValue(t, format);
  const nameOf = (t: Tensor): string => (isFoldedConstant(t) ? formatConstant(t.item()) : graph.names.get(t)!);

  const rows: [string, string, string][] = trace.steps.map((step) => {
    const info = gateInfo(step.op);
    const names = step.inputs.map(nameOf);
    const expression =
      info.infix && names.length === 2 ? `${names[0]} ${info.symbol} ${names[1]}` : `${step.op}(${names.join(', ')})`;
    const parts: string[] = [];
    step.inputs.forEach((input, i) => {
      const downstream = step.downstream[i];
      if (downstream === null || downstream === undefined) return;
      const local = step.local[i] ?? null;
      if (local !== null) {
        const formula = info.local?.[i] !== undefined ? ` [${fillNames(info.local[i]!, names)}]` : '';
        parts.push(`${names[i]}: ${value(step.upstream)} × ${value(local)}${formula} = ${value(downstream)}`);
      } else {
        const rule = info.rule?.[i] ?? info.rule?.[0];
        const how = rule !== undefined ? fillNames(rule, names).replace(/\bdy\b/g, value(step.upstream)) : `vjp(${value(step.upstream)})`;
        parts.push(`${names[i]}: ${how} = ${value(downstream)}`);
      }
    });
    return [`${step.index}. ${step.op}`, `${graph.names.get(step.output)} = ${expression}`, parts.join(';  ')];
  });
  const widths = [0, 1].map((c) => Math.max(0, ...rows.map((r) => r[c]!.length)));
  const lines = [
    `Backward pass from ${graph.names.get(trace.output)} (seed ${value(trace.seed)}), one gate per line in the order the engine runs them;`,
    `for each input: upstream gradient × local gradient = downstream gradient`,
    ...rows.map(([gate, expression, parts]) => `  ${gate.padEnd(widths[0]!)}  ${expression.padEnd(widths[1]!)}  ${parts}`),
  ];
  const leaves = leafGradients(graph, trace, value);
  if (leaves.length > 0) lines.push(`Gradients: ${leaves.join(', ')}`);
  return lines.join('\n');
}

/** `x = -4.00` per leaf, or `x = 1.00 + 2.00 = 3.00` where the leaf fans out and its branches' gradients add. */
function leafGradients(graph: GraphView, trace: BackwardTrace, value: (t: Tensor) => string): string[] {
  const out: string[] = [];
  for (const t of graph.tensors) {
    if (t._node !== null || !t.requiresGrad) continue;
    const total = trace.gradient(t);
    if (total === null) continue;
    const parts = graph.uses
      .get(t)!
      .map(({ consumer, slot }) => trace.contribution(consumer, slot))
      .filter((g): g is Tensor => g !== null);
    const sum = parts.length > 1 ? `${parts.map(value).join(' + ')} = ` : '';
    out.push(`${graph.names.get(t)} = ${sum}${value(total)}`);
  }
  return out;
}

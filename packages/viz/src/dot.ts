import { savedMemory, type Tensor } from '@tensorgrad/core';
import { formatConstant, formatValueLines, type ValueFormat } from './values.js';
import { gateInfo } from './gates.js';
import { collectGraph, isFoldedConstant } from './graph.js';
import { lastTrace, type BackwardTrace } from './trace.js';

export interface DotOptions extends ValueFormat {
  /**
   * Where the gradients come from. By default, the last `traceBackward` of this output; without one, the
   * `.grad` of leaves (and of tensors that called retainGrad()). `null` draws forward values only.
   */
  trace?: BackwardTrace | null;
  /** A title above the diagram. */
  title?: string;
  /** The key under the diagram (what green, red and the branch marker mean). Default true. */
  legend?: boolean;
  /**
   * Shade each gate by the bytes its backward rule keeps alive (core's savedMemory): white for none, the
   * deepest orange for the largest, with the count in the gate's tooltip. Default false.
   */
  savedMemory?: boolean;
}

/** The fill of a gate keeping `bytes` when the largest keeps `most`: white to orange (#f28e2b). */
function memoryFill(bytes: number, most: number): string {
  const f = most > 0 ? bytes / most : 0;
  const mix = (to: number): string => Math.round(255 + f * (to - 255)).toString(16).padStart(2, '0');
  return `#${mix(0xf2)}${mix(0x8e)}${mix(0x2b)}`;
}

/** 1,234,567 bytes as '1.18 MiB', small counts as '736 B'. */
function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(2)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** The lecture's colours: forward values in green above each wire, gradients in red below it. */
export const VALUE_COLOR = '#1a7f1a';
export const GRADIENT_COLOR = '#d62728';
const WIRE_COLOR = '#555555';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** HTML-like label text: escaped, with spaces kept (Graphviz would collapse a run of them). */
function htmlLines(lines: readonly string[]): string {
  return lines.map((line) => escapeHtml(line).replace(/ /g, '&#160;')).join('<BR ALIGN="LEFT"/>') + '<BR ALIGN="LEFT"/>';
}

/**
 * A wire as a small node whose middle is a horizontal rule: the edge enters on its left and leaves on its
 * right at the height of that rule, so the drawn line runs straight through it, the value sits above the
 * line and the gradient below, as in the lecture's diagrams. Both halves get the same number of lines so
 * the rule stays in the middle.
 */
function wireLabel(value: readonly string[], gradient: readonly string[] | null): string {
  const height = Math.max(value.length, gradient?.length ?? 0, 1);
  const pad = (lines: readonly string[]): string[] => [...lines, ...Array<string>(height - lines.length).fill('')];
  const top = htmlLines(pad(value));
  const bottom = htmlLines(pad(gradient ?? []));
  return (
    `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" COLOR="${WIRE_COLOR}">` +
    `<TR><TD BALIGN="LEFT"><FONT COLOR="${VALUE_COLOR}">${top}</FONT></TD></TR><HR/>` +
    `<TR><TD BALIGN="LEFT"><FONT COLOR="${GRADIENT_COLOR}">${bottom}</FONT></TD></TR></TABLE>>`
  );
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The graph behind `output` as Graphviz DOT, drawn like the lecture's circuits: one circle per gate
 * labelled with its op, one label per leaf with its name, and on every wire the forward value (green,
 * above) and the gradient (red, below) — in full for small tensors, as shape, norm, min and max for large
 * ones. Where a tensor fans out, a dashed red ⊕ marks where the branches' gradients add: the wire before
 * it carries the sum, each branch its own part.
 */
export function toDot(output: Tensor, options: DotOptions = {}): string {
  const trace = options.trace === undefined ? lastTrace(output) ?? null : options.trace;
  const graph = collectGraph(output);
  const saved = options.savedMemory === true ? new Map(savedMemory(output).ops.map((o) => [o.output, o.bytes])) : null;
  const mostSaved = saved === null ? 0 : Math.max(0, ...saved.values());
  const format: ValueFormat = { decimals: options.decimals, maxElements: options.maxElements };
  const ids = new Map<Tensor, string>();
  graph.tensors.forEach((t, i) => ids.set(t, `n${i}`));
  const lines: string[] = [];
  const emit = (line: string): void => {
    lines.push(`  ${line}`);
  };
  let wires = 0;
  let fansOut = false;

  const totalGradient = (t: Tensor): Tensor | null => {
    if (!t.requiresGrad) return null;
    if (trace !== null) return trace.gradient(t);
    return t.grad;
  };
  const slotGradient = (consumer: Tensor, slot: number, input: Tensor, shared: boolean): Tensor | null => {
    if (!input.requiresGrad) return null;
    if (trace !== null) return trace.contribution(consumer, slot);
    // Without a trace only totals are known: a branch's own part is not.
    return shared ? null : input.grad;
  };
  const valueLines = (t: Tensor, withName: boolean): string[] => {
    const values = formatValueLines(t, format);
    if (!withName || t.name === undefined) return values;
    const prefix = `${t.name} = `;
    return values.map((line, i) => (i === 0 ? prefix : ' '.repeat(prefix.length)) + line);
  };
  const wire = (from: string, to: string, value: string[], gradient: Tensor | null, tooltip: string): void => {
    const id = `w${wires++}`;
    emit(`${id} [shape=plain, fontname="Courier", fontsize=11, tooltip=${quote(tooltip)}, label=${wireLabel(value, gradient === null ? null : formatValueLines(gradient, format))}];`);
    emit(`${from} -> ${id} [arrowhead=none, headport=w];`);
    emit(`${id} -> ${to} [tailport=e];`);
  };

  // Nodes: leaves as their names, gates as circles with the op (constants folded in, as the lecture's "+1").
  for (const t of graph.tensors) {
    const id = ids.get(t)!;
    const name = graph.names.get(t)!;
    if (t._node === null) {
      if (isFoldedConstant(t) && t !== output) continue;
      const shape = t.ndim > 0 ? `<BR/><FONT POINT-SIZE="9" COLOR="#777777">[${t.shape.join(', ')}]</FONT>` : '';
      const color = t.requiresGrad ? 'black' : '#777777';
      emit(`${id} [shape=plaintext, fontsize=16, fontcolor="${color}", tooltip=${quote(t.requiresGrad ? `leaf ${name}` : `constant ${name} (no gradient)`)}, label=<${escapeHtml(name)}${shape}>];`);
      continue;
    }
    const info = gateInfo(t._node.op);
    let label = info.symbol;
    const inputs = t._node.inputs;
    const folded = inputs.map((input) => (isFoldedConstant(input) ? formatConstant(input.item()) : null));
    if (folded.some((c) => c !== null) && folded.some((c) => c === null)) {
      if (info.infix && inputs.length === 2) label = folded[0] !== null ? `${folded[0]}${info.symbol}` : `${info.symbol}${folded[1]}`;
      else label = `${info.symbol}(${folded.map((c) => c ?? '·').join(', ')})`;
    }
    const shape = label.length <= 4 ? 'circle' : 'ellipse';
    const bytes = saved?.get(t);
    const fill = bytes === undefined ? '' : `style=filled, fillcolor="${memoryFill(bytes, mostSaved)}", `;
    const keeps = bytes === undefined ? '' : `; backward keeps ${formatBytes(bytes)} alive`;
    emit(`${id} [shape=${shape}, fontsize=14, margin=0.04, ${fill}tooltip=${quote(`${t._node.op} → ${name} [${t.shape.join(', ')}]${keeps}`)}, label=${quote(label)}];`);
  }

  // Wires: one per input slot; a tensor with several uses goes through a junction where gradients add.
  for (const t of graph.tensors) {
    const uses = graph.uses.get(t)!;
    if (uses.length === 0 || (isFoldedConstant(t) && t !== output)) continue;
    const name = graph.names.get(t)!;
    const named = t._node !== null;
    let source = ids.get(t)!;
    const shared = uses.length > 1 && t.requiresGrad;
    if (shared) {
      fansOut = true;
      const junction = `j${ids.get(t)!.slice(1)}`;
      emit(`${junction} [shape=circle, style=dashed, color="${GRADIENT_COLOR}", fontcolor="${GRADIENT_COLOR}", fontsize=10, width=0.24, height=0.24, fixedsize=true, label="+", tooltip=${quote(`${name} fans out to ${uses.length} uses: their gradients add here`)}];`);
      wire(source, junction, valueLines(t, named), totalGradient(t), `${name}: value above, total gradient (sum over ${uses.length} branches) below`);
      source = junction;
    }
    for (const { consumer, slot } of uses) {
      const gradient = slotGradient(consumer, slot, t, shared);
      wire(source, ids.get(consumer)!, valueLines(t, named && !shared), gradient, `${name} → ${consumer._node!.op}`);
    }
  }

  // The output's own wire, ending at its name, with the seed gradient d(out)/d(out).
  const outName = graph.names.get(output)!;
  emit(`result [shape=plaintext, fontsize=16, label=${quote(outName)}];`);
  wire(ids.get(output)!, 'result', formatValueLines(output, format), totalGradient(output), `${outName}: value above, gradient below`);

  const header = [
    `  graph [rankdir=LR, ordering=in, bgcolor="white", nodesep=0.25, ranksep=0.25, fontname="Helvetica", fontsize=11, labeljust=l${options.title !== undefined ? `, labelloc=t` : ''}];`,
    `  node [fontname="Helvetica"];`,
    `  edge [color="${WIRE_COLOR}", arrowsize=0.6];`,
  ];
  const footer: string[] = [];
  const key: string[] = [];
  if (options.title !== undefined) key.push(`<B>${escapeHtml(options.title)}</B>`);
  if (options.legend ?? true) {
    // One colour per line: Graphviz places each run of text from its own font metrics, and a renderer with
    // wider fonts would push runs of different colours on one line into each other.
    key.push(`<FONT POINT-SIZE="10" COLOR="${VALUE_COLOR}">green, above a wire: its forward value</FONT>`);
    if (trace !== null || graph.tensors.some((t) => t.grad !== null)) key.push(`<FONT POINT-SIZE="10" COLOR="${GRADIENT_COLOR}">red, below a wire: its gradient</FONT>`);
    if (saved !== null) key.push(`<FONT POINT-SIZE="10" COLOR="#b35806">orange gates: bytes backward keeps alive (deepest: ${formatBytes(mostSaved)})</FONT>`);
    if (fansOut) key.push(`<FONT POINT-SIZE="10" COLOR="${GRADIENT_COLOR}">dashed (+): a value fans out, its branches' gradients add</FONT>`);
  }
  if (key.length > 0) footer.push(`  label=<${key.join('<BR ALIGN="LEFT"/>') + '<BR ALIGN="LEFT"/>'}>;`);
  return ['digraph tensorgrad {', ...header, ...footer, ...lines, '}', ''].join('\n');
}

// `pnpm example memory`: what backward keeps alive (core's savedMemory) for the 2-layer net on the spiral
// and for the 100×4096 ReLU, op by op, per module, in total and at the peak; writes the net's circuit with
// its gates shaded by those bytes to out/memory.svg.
import { fromData, savedMemory, type SavedMemoryReport, type Tensor } from '@tensorgrad/core';
import { relu, sum } from '@tensorgrad/ops';
import { Linear, ReLU, Sequential, softmaxCrossEntropy, spiral } from '@tensorgrad/nn';

/** 3,276,800 as '3,276,800 B (3.13 MiB)'. */
export function formatBytes(bytes: number): string {
  const mib = bytes >= 1024 * 1024 ? ` (${(bytes / (1024 * 1024)).toFixed(2)} MiB)` : bytes >= 1024 ? ` (${(bytes / 1024).toFixed(1)} KiB)` : '';
  return `${bytes.toLocaleString('en-US')} B${mib}`;
}

/** The report as a table: one row per op in backward's order, then the modules, the total and the peak. */
export function formatReport(report: SavedMemoryReport, nameOf: (scope: unknown) => string): string {
  const rows = report.ops.map((o) => [o.op, `[${o.output.shape.join(', ')}]`, o.scope === null ? '-' : nameOf(o.scope), formatBytes(o.bytes)]);
  const header = ['op', 'output', 'module', 'saved'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 3 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [line(header), ...rows.map(line)];
  if (report.scopes.length > 0) {
    out.push('', 'per module (a module includes its submodules):');
    for (const s of report.scopes) out.push(`  ${(s.name ?? nameOf(s.scope)).padEnd(12)} ${formatBytes(s.bytes)}`);
  }
  out.push('', `total kept alive by backward rules (shared storage once): ${formatBytes(report.total)}`);
  out.push(`peak during backward (saved + gradients alive at the worst step): ${formatBytes(report.peak)}`);
  return out.join('\n');
}

/** The 2-layer net of `pnpm train` (2 -> 100 -> 3) on the whole seeded spiral (300 points). */
export function twoLayerLoss(): { loss: Tensor; model: Sequential } {
  const data = spiral({ seed: 0 });
  const model = new Sequential(new Linear(2, 100, { seed: 1 }), new ReLU(), new Linear(100, 3, { seed: 2 }));
  return { loss: softmaxCrossEntropy(model.forward(data.x), data.y), model };
}

/** Both reports as text. */
export function memoryReport(): string {
  const { loss, model } = twoLayerLoss();
  const names = new Map<unknown, string>([[model, 'model'], ...model.namedChildren().map(([name, m]) => [m, `${name} (${m.constructor.name})`] as [unknown, string])]);
  const nameOf = (scope: unknown): string => names.get(scope) ?? '?';
  const net = formatReport(savedMemory(loss, { names: [...names].map(([scope, name]) => [name, scope] as const) }), nameOf);
  const x = fromData(new Float64Array(100 * 4096).map((_, i) => Math.sin(i)), [100, 4096], { requiresGrad: true });
  const big = formatReport(savedMemory(sum(relu(x))), nameOf);
  return [
    'The 2-layer net (2 -> 100 -> 3, ReLU) on the 300-point spiral, softmax cross-entropy:',
    '',
    net,
    '',
    'sum(relu(x)) for x of shape [100, 4096]:',
    '',
    big,
  ].join('\n');
}

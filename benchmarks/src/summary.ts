import { formatBytes, formatCount, formatRatio, formatSeconds } from './bench.js';
import { configLabel, type NetConfig } from './net.js';
import type { Report, StepRow } from './report.js';

const sameConfig = (a: NetConfig, b: NetConfig): boolean => a.N === b.N && a.D === b.D && a.H === b.H && a.C === b.C;

const samplesPerSecond = (row: StepRow): number => row.config.N / row.timing.median;

const gflops = (m: number, k: number, n: number, seconds: number): number => (2 * m * k * n) / seconds / 1e9;

function table(header: string[], rows: string[][], rightAligned: boolean[] = header.map((_, i) => i > 0)): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function stepName(row: StepRow): string {
  switch (row.engine) {
    case 'tensorgrad':
      return `tensorgrad (${row.kernel}${row.variant === undefined ? '' : `, ${row.variant}`})`;
    case 'tfjs-cpu':
      return 'tfjs cpu (f32)';
    case 'tfjs-wasm':
      return 'tfjs wasm (f32)';
    case 'numpy':
      return 'NumPy f64, 1 thread';
  }
}

function stepSection(report: Report): string {
  const configs: NetConfig[] = [];
  for (const row of report.steps) if (!configs.some((c) => sameConfig(c, row.config))) configs.push(row.config);
  const rows: string[][] = [];
  for (const config of configs) {
    const here = report.steps.filter((r) => sameConfig(r.config, config));
    const peer = (engine: StepRow['engine']): StepRow | undefined => here.find((r) => r.engine === engine);
    const ratio = (row: StepRow, engine: StepRow['engine']): string => {
      const p = peer(engine);
      return p === undefined ? '–' : formatRatio(samplesPerSecond(row) / samplesPerSecond(p));
    };
    for (const row of here) {
      rows.push([configLabel(config), stepName(row), formatCount(samplesPerSecond(row)), row.timing.rme.toFixed(1), `${row.timing.samples}`, row.timing.majorGcs === undefined ? '–' : `${row.timing.majorGcs}`, ratio(row, 'tfjs-cpu'), ratio(row, 'tfjs-wasm'), ratio(row, 'numpy')]);
    }
  }
  return [
    '## Training step: forward + backward + SGD update (samples/s, higher is better)',
    '',
    'samples/s = N / median seconds per step (the median resists bursts from other processes on a shared machine); ±% is benchmark.js\'s margin of error of the mean. Ratio columns: this row\'s samples/s over the peer\'s, measured in the same run. Each engine family runs in its own process (tensorgrad here, tfjs and NumPy in child processes). A full run times the two smaller configs in two rounds, the second in reverse order (tfjs and NumPy: one child before tensorgrad, one after), and each engine keeps its better round (runs: that round\'s samples). Major GCs: V8 Mark-Compact collections while that round timed the case (Node engines only); the two-thread kernel runs 10–25% slower in a round where they come every few steps (see benchmarks/README.md).',
    '',
    table(['(N, D, H, C)', 'engine', 'samples/s', '±%', 'runs', 'major GCs', '× tfjs cpu', '× tfjs wasm', '× NumPy'], rows, [false, false, true, true, true, true, true, true, true]),
  ].join('\n');
}

function matmulSection(report: Report): string {
  const kernels = [...new Set(report.matmul.map((r) => r.kernel).filter((k) => k !== 'naive'))];
  const labels = [...new Set(report.matmul.map((r) => r.label))];
  const rows = labels.map((label) => {
    const here = report.matmul.filter((r) => r.label === label);
    const { m, k, n } = here[0]!;
    const rate = (kernel: string): number | undefined => {
      const r = here.find((x) => x.kernel === kernel);
      return r === undefined ? undefined : gflops(m, k, n, r.timing.median);
    };
    const naive = rate('naive');
    const cell = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(2));
    return [
      label,
      `${m}×${k}·${k}×${n}`,
      ...kernels.map((kernel) => cell(rate(kernel))),
      cell(naive),
      ...kernels.map((kernel) => {
        const r = rate(kernel);
        return r === undefined || naive === undefined ? '–' : formatRatio(r / naive);
      }),
    ];
  });
  return [
    '## Matmul (GFLOP/s = 2·m·k·n / median time, higher is better)',
    '',
    'Through `matmul` (allocation of the result included); `naive` is the i-j-p triple loop on contiguous arrays.',
    '',
    table(['product', 'shape', ...kernels, 'naive', ...kernels.map((k) => `${k} / naive`)], rows, [false, false, ...kernels.map(() => true), true, ...kernels.map(() => true)]),
  ].join('\n');
}

function jacobianSection(report: Report): string {
  const find = (label: string | undefined) => report.jacobian.find((r) => r.label === label);
  const rows = report.jacobian.map((row) => {
    const base = find(row.baseline);
    const time = row.timing === undefined ? 'not run' : formatSeconds(row.timing.median);
    const timeRatio = row.timing !== undefined && base?.timing !== undefined ? formatRatio(row.timing.median / base.timing.median) : '–';
    const bytesRatio = base !== undefined ? formatRatio(row.bytes / base.bytes) : '–';
    return [row.label, time, formatBytes(row.bytes), timeRatio, bytesRatio];
  });
  return [
    '## Jacobian-free backward: relu over a 4096-vector and a 100×4096 minibatch',
    '',
    'Bytes: what the method allocates (the gradient for the mask rule; the float64 Jacobian otherwise). Ratios are against the mask rule on the same input.',
    '',
    table(['method', 'median time', 'bytes', 'time × mask', 'bytes × mask'], rows, [false, true, true, true, true]),
  ].join('\n');
}

function overheadSection(report: Report): string {
  const rows = report.overhead.map((r) => [
    configLabel(r.config),
    r.kernel,
    formatSeconds(r.step),
    formatSeconds(r.gemm),
    r.callsPerStep.toFixed(0),
    `${(100 * Math.max(0, 1 - r.gemm / r.step)).toFixed(1)}%`,
  ]);
  return [
    '## Engine overhead: share of a training step outside the matmul kernels',
    '',
    'Each kernel wrapped in a GemmKernel that times its calls; step and gemm time are means over the same calls.',
    '',
    table(['(N, D, H, C)', 'kernel', 'step', 'in gemm', 'gemm calls/step', 'outside gemm'], rows, [false, false, true, true, true, true]),
  ].join('\n');
}

function phaseSection(report: Report): string {
  const configs: NetConfig[] = [];
  for (const row of report.phases) if (!configs.some((c) => sameConfig(c, row.config))) configs.push(row.config);
  const parts: string[] = [];
  for (const config of configs) {
    const rows = report.phases.filter((r) => sameConfig(r.config, config));
    const total = rows.reduce((sum, r) => sum + r.seconds, 0);
    const gemm = rows.reduce((sum, r) => sum + r.gemm, 0);
    const cells = rows.map((r) => [r.phase, formatSeconds(r.seconds), r.gemm > 0 ? formatSeconds(r.gemm) : '', `${((100 * r.seconds) / total).toFixed(1)}%`]);
    cells.push(['total', formatSeconds(total), formatSeconds(gemm), '100%']);
    parts.push(`${configLabel(config)}, kernel ${rows[0]!.kernel}:`, '', table(['phase', 'per step', 'in gemm', 'share'], cells, [false, true, true, true]), '');
  }
  return [
    '## Where a step goes (profile, default kernel)',
    '',
    "Mean over the profiled steps. Forward phases time each layer and the loss; backward phases are the intervals between the engine's onStep reports (one per op, in the order the engine runs them; they include adding gradients at branches).",
    '',
    ...parts,
  ]
    .join('\n')
    .trimEnd();
}

/** The targets of issues 5 and 6, per kernel, from this run's figures. */
function targetsSection(report: Report): string {
  const kernels = [...new Set(report.steps.filter((r) => r.engine === 'tensorgrad' && r.variant === undefined).map((r) => r.kernel!))];
  if (kernels.length === 0) return '';
  const config: NetConfig = { N: 200, D: 3072, H: 100, C: 10 };
  const step = (engine: StepRow['engine'], kernel?: string): number | undefined => {
    const row = report.steps.find((r) => sameConfig(r.config, config) && r.engine === engine && r.kernel === kernel && r.variant === undefined);
    return row === undefined ? undefined : samplesPerSecond(row);
  };
  const matmul512 = (kernel: string): number | undefined => {
    const row = report.matmul.find((r) => r.label === 'n=512' && r.kernel === kernel);
    return row === undefined ? undefined : gflops(row.m, row.k, row.n, row.timing.median);
  };
  type Check = [string, (kernel: string) => number | undefined, number, (x: number) => string];
  const per = (value: (k: string) => number | undefined, peer: () => number | undefined) => (k: string) => {
    const v = value(k);
    const p = peer();
    return v === undefined || p === undefined ? undefined : v / p;
  };
  const stepOf = (k: string) => step('tensorgrad', k);
  const checks: Check[] = [
    ['#5 step (200, 3072, 100, 10) ≥ 4,000 samples/s', stepOf, 4000, formatCount],
    ['#5 step ≥ 4× tfjs cpu', per(stepOf, () => step('tfjs-cpu')), 4, formatRatio],
    ['#5 matmul n=512 ≥ 5 GFLOP/s', matmul512, 5, (x) => x.toFixed(1)],
    ['#5 matmul n=512 ≥ 3× naive', per(matmul512, () => matmul512('naive')), 3, formatRatio],
    ['#6 matmul n=512 ≥ 20 GFLOP/s (one thread)', matmul512, 20, (x) => x.toFixed(1)],
    ['#6 matmul n=512 ≥ 35 GFLOP/s (two threads)', matmul512, 35, (x) => x.toFixed(1)],
    ['#6 step ≥ 20,000 samples/s', stepOf, 20000, formatCount],
    ['#6 step ≥ 15× tfjs cpu', per(stepOf, () => step('tfjs-cpu')), 15, formatRatio],
    ['#6 step ≥ 8× tfjs wasm', per(stepOf, () => step('tfjs-wasm')), 8, formatRatio],
    ['#6 step ≥ 0.35× NumPy', per(stepOf, () => step('numpy')), 0.35, formatRatio],
  ];
  const rows = checks.map(([label, value, goal, format]) => [
    label,
    ...kernels.map((k) => {
      const v = value(k);
      return v === undefined ? '–' : `${v >= goal ? '✓' : '✗'} ${format(v)}`;
    }),
  ]);
  return ['## Targets (issues 5 and 6), per kernel', '', table(['target', ...kernels], rows, [false, ...kernels.map(() => true)])].join('\n');
}

export function renderSummary(report: Report): string {
  const machine = Object.entries(report.machine).map(([k, v]) => `- ${k}: ${v}`);
  const sections = [
    `# tensorgrad benchmarks: ${report.quick ? 'quick' : 'full'} run of ${report.started} (${report.seconds.toFixed(0)} s)`,
    '',
    ...machine,
    ...report.notes.map((n) => `- ${n}`),
  ];
  if (report.steps.length > 0) sections.push('', stepSection(report));
  if (report.matmul.length > 0) sections.push('', matmulSection(report));
  if (report.jacobian.length > 0) sections.push('', jacobianSection(report));
  if (report.overhead.length > 0) sections.push('', overheadSection(report));
  if (report.phases.length > 0) sections.push('', phaseSection(report));
  const targets = targetsSection(report);
  if (targets !== '') sections.push('', targets);
  return sections.join('\n') + '\n';
}

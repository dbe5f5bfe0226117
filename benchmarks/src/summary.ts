import { browserSection } from '../browser/summary.js';
import { formatBytes, formatCount, formatRatio, formatSeconds } from './bench.js';
import { configLabel, type NetConfig } from './net.js';
import type { Report, StepRow, StepVariant } from './report.js';

const sameConfig = (a: NetConfig, b: NetConfig): boolean => a.N === b.N && a.D === b.D && a.H === b.H && a.C === b.C;

const samplesPerSecond = (row: StepRow): number => row.config.N / row.timing.median;

const gflops = (m: number, k: number, n: number, seconds: number): number => (2 * m * k * n) / seconds / 1e9;

function table(header: string[], rows: string[][], rightAligned: boolean[] = header.map((_, i) => i > 0)): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * The kernels of `names` in the order the summary shows them: the run's default kernel first (the
 * headline), then wasm (what a browser gets), then the rest in registration order.
 */
function headlineOrder(report: Report, names: Iterable<string>): string[] {
  const rank = (k: string): number => (k === report.defaultKernel ? 0 : k === 'wasm' ? 1 : 2);
  return [...new Set(names)].map((k, i) => ({ k, i })).sort((a, b) => rank(a.k) - rank(b.k) || a.i - b.i).map(({ k }) => k);
}

/** A kernel's name in a column header: the default kernel and wasm (the browser's default) say so. */
function kernelHeader(report: Report, kernel: string): string {
  if (kernel === report.defaultKernel) return `${kernel} (default)`;
  return kernel === 'wasm' ? 'wasm (browser default)' : kernel;
}

/** How the summary names a tensorgrad variant row (the README's "The step as timed" describes them). */
const variantNames: Record<StepVariant, string> = {
  tuned: 'tuned loop',
  'strided rows': 'x: every 10th row',
  'column block': 'x: column block',
};

function stepName(row: StepRow): string {
  switch (row.engine) {
    case 'tensorgrad':
      return `tensorgrad (${row.kernel}${row.variant === undefined ? '' : `, ${variantNames[row.variant]}`})`;
    case 'tfjs-cpu':
      return 'tfjs cpu (f32)';
    case 'tfjs-wasm':
      return 'tfjs wasm (f32)';
    case 'numpy': {
      if (row.blas === undefined) return 'NumPy f64, 1 thread';
      const env = row.blas.env === 'machine' ? 'machine env' : row.blas.env === 'unset' ? 'OPENBLAS_* unset' : 'reference: malloc keeps freed memory';
      return `NumPy f64, 1 thread (${env}${row.blas.core === undefined ? '' : `: ${row.blas.core}`})`;
    }
  }
}

/** The peer row of `engine` at `config`; for NumPy, the faster of its rows (machine environment, OpenBLAS variables unset). */
function peerRow(report: Report, config: NetConfig, engine: StepRow['engine']): StepRow | undefined {
  // The malloc-kept NumPy row is a reference: a NumPy user runs with malloc's defaults.
  const rows = report.steps.filter((r) => sameConfig(r.config, config) && r.engine === engine && r.engine !== 'tensorgrad' && r.blas?.env !== 'malloc-kept');
  return rows.reduce<StepRow | undefined>((best, r) => (best === undefined || r.timing.median < best.timing.median ? r : best), undefined);
}

/** The tensorgrad row of `kernel` at `config`: the headline (default loop) unless a variant is named. */
function tensorgradRow(report: Report, config: NetConfig, kernel: string, variant?: StepVariant): StepRow | undefined {
  return report.steps.find((r) => sameConfig(r.config, config) && r.engine === 'tensorgrad' && r.kernel === kernel && r.variant === variant);
}

function stepSection(report: Report): string {
  const configs: NetConfig[] = [];
  for (const row of report.steps) if (!configs.some((c) => sameConfig(c, row.config))) configs.push(row.config);
  const rows: string[][] = [];
  for (const config of configs) {
    const at = report.steps.filter((r) => sameConfig(r.config, config));
    const order = headlineOrder(report, at.flatMap((r) => (r.engine === 'tensorgrad' ? [r.kernel!] : [])));
    const mine = at.filter((r) => r.engine === 'tensorgrad');
    const here = [...order.flatMap((k) => mine.filter((r) => r.kernel === k)), ...at.filter((r) => r.engine !== 'tensorgrad')];
    const ratio = (row: StepRow, engine: StepRow['engine']): string => {
      const p = peerRow(report, config, engine);
      return p === undefined ? '–' : formatRatio(samplesPerSecond(row) / samplesPerSecond(p));
    };
    for (const row of here) {
      rows.push([configLabel(config), stepName(row), formatCount(samplesPerSecond(row)), row.timing.rme.toFixed(1), `${row.timing.samples}`, row.timing.majorGcs === undefined ? '–' : `${row.timing.majorGcs}`, ratio(row, 'tfjs-cpu'), ratio(row, 'tfjs-wasm'), ratio(row, 'numpy')]);
    }
  }
  return [
    '## Training step: forward + backward + SGD update (samples/s, higher is better)',
    '',
    `tensorgrad's headline rows (\`tensorgrad (<kernel>)\`; the default kernel, ${report.defaultKernel}, first, then wasm, which a browser gets) time the loop a PyTorch user writes: \`opt.zeroGrad()\`, \`softmaxCrossEntropy(model.forward(x), labels).backward()\`, \`opt.step()\`, with x an ordinary tensor. \`tuned loop\`: \`zeroGrad({ setToNone: false })\` and x moved with \`toKernelMemory\`. \`x: every 10th row\`: the default loop with x = \`slice(data, [[0, 2000, 10]])\` of a [2000, 3072] dataset; \`x: column block\`: x = columns 512–3583 of a [200, 4096] tensor (strided views, no copy). NumPy runs in the machine's environment and with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset (when the machine sets them); the row says which OpenBLAS core ran.`,
    '',
    "samples/s = N / median seconds per step (the median resists bursts from other processes on a shared machine); ±% is benchmark.js's margin of error of the mean. Ratio columns: this row's samples/s over the peer's, measured in the same run; × NumPy is against the faster of the NumPy rows. Each engine family runs in its own process (tensorgrad here, tfjs and NumPy in child processes). A full run times the two smaller configs in two rounds, the second in reverse order (tfjs and NumPy: one child before tensorgrad, one after), and each engine keeps its better round (runs: that round's samples). Major GCs: V8 Mark-Compact collections while that round timed the case (Node engines only); the two-thread kernel runs 10–25% slower in a round where they come every few steps (see benchmarks/README.md).",
    '',
    table(['(N, D, H, C)', 'engine', 'samples/s', '±%', 'runs', 'major GCs', '× tfjs cpu', '× tfjs wasm', '× NumPy'], rows, [false, false, true, true, true, true, true, true, true]),
    ...referenceNotes(report, configs),
  ].join('\n');
}

/** The NumPy reference row at `config`: malloc told to keep freed memory (numpy-peer.ts). */
function referenceRow(report: Report, config: NetConfig): StepRow | undefined {
  return report.steps.find((r) => sameConfig(r.config, config) && r.engine === 'numpy' && r.blas?.env === 'malloc-kept');
}

/**
 * The NumPy reference row (malloc keeping freed memory) is left out of the ratio columns: a NumPy user
 * runs with malloc's defaults. The default kernel's ratio to it (and wasm's, what a browser gets) is
 * stated beside the table instead, so the gap is on record.
 */
function referenceNotes(report: Report, configs: readonly NetConfig[]): string[] {
  const lines: string[] = [];
  for (const config of configs) {
    const reference = referenceRow(report, config);
    if (reference === undefined) continue;
    const parts = headlineOrder(report, [report.defaultKernel, 'wasm']).flatMap((kernel) => {
      const ours = tensorgradRow(report, config, kernel);
      if (ours === undefined) return [];
      return [`${formatRatio(samplesPerSecond(ours) / samplesPerSecond(reference))} on ${kernel}${kernel === report.defaultKernel ? ' (the default kernel)' : ''}`];
    });
    if (parts.length > 0) lines.push(`- ${configLabel(config)}: tensorgrad's default loop against the NumPy reference row: ${parts.join(', ')}.`);
  }
  return lines.length === 0 ? [] : ['', 'Against the NumPy reference row (not in the ratio columns: malloc told to keep freed memory, which a NumPy user does not do; on this virtual machine fresh pages cost a fault each):', '', ...lines];
}

/** Issue 13: the default loop against the tuned one, and a strided minibatch against a contiguous one. */
function defaultSection(report: Report): string {
  const mine = report.steps.filter((r) => r.engine === 'tensorgrad');
  if (!mine.some((r) => r.variant !== undefined)) return '';
  const configs: NetConfig[] = [];
  for (const row of mine) if (!configs.some((c) => sameConfig(c, row.config))) configs.push(row.config);
  const kernels = headlineOrder(report, mine.map((r) => r.kernel!));
  const tunedRows: string[][] = [];
  const stridedRows: string[][] = [];
  for (const config of configs) {
    for (const kernel of kernels) {
      const base = tensorgradRow(report, config, kernel);
      if (base === undefined) continue;
      const tuned = tensorgradRow(report, config, kernel, 'tuned');
      if (tuned !== undefined) {
        tunedRows.push([configLabel(config), kernel, formatCount(samplesPerSecond(base)), formatCount(samplesPerSecond(tuned)), formatRatio(samplesPerSecond(base) / samplesPerSecond(tuned))]);
      }
      const strided = tensorgradRow(report, config, kernel, 'strided rows');
      const columns = tensorgradRow(report, config, kernel, 'column block');
      if (strided !== undefined || columns !== undefined) {
        const cells = (row: StepRow | undefined): string[] => (row === undefined ? ['–', '–'] : [formatCount(samplesPerSecond(row)), formatRatio(row.timing.median / base.timing.median)]);
        stridedRows.push([configLabel(config), kernel, formatCount(samplesPerSecond(base)), ...cells(strided), ...cells(columns)]);
      }
    }
  }
  const parts = ['## Fast by default (issue 13): the default loop against the tuned one, strided minibatches', ''];
  if (tunedRows.length > 0) {
    parts.push(
      'samples/s of the default loop (the headline rows) and of the tuned loop, from the table above; default / tuned is their ratio (target ≥ 0.9×).',
      '',
      table(['(N, D, H, C)', 'kernel', 'default samples/s', 'tuned samples/s', 'default / tuned'], tunedRows, [false, false, true, true, true]),
      '',
    );
  }
  if (stridedRows.length > 0) {
    parts.push(
      'The default loop with x a strided view, against the same loop with x contiguous (the headline row), in the same suite: time per step over the contiguous time (target ≤ 1.5× for every 10th row).',
      '',
      table(['(N, D, H, C)', 'kernel', 'contiguous samples/s', 'every 10th row samples/s', 'every 10th row / contiguous (time)', 'column block samples/s', 'column block / contiguous (time)'], stridedRows, [false, false, true, true, true, true, true]),
    );
  }
  return parts.join('\n').trimEnd();
}

function matmulSection(report: Report): string {
  const kernels = headlineOrder(report, report.matmul.map((r) => r.kernel).filter((k) => k !== 'naive'));
  const labels = [...new Set(report.matmul.map((r) => r.label))];
  const rows = labels.map((label) => {
    const here = report.matmul.filter((r) => r.label === label);
    const { m, k, n, group } = here[0]!;
    const rate = (kernel: string): number | undefined => {
      const r = here.find((x) => x.kernel === kernel);
      return r === undefined ? undefined : gflops(m, k, n, r.timing.median);
    };
    // The naive loop runs once per product, with the headline operands; rows of the same product share it.
    const naiveRow = report.matmul.find((r) => r.kernel === 'naive' && r.group === group && r.m === m && r.k === k && r.n === n);
    const naive = naiveRow === undefined ? undefined : gflops(m, k, n, naiveRow.timing.median);
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
  const parts = [
    '## Matmul (GFLOP/s = 2·m·k·n / median time, higher is better)',
    '',
    'Through `matmul` (allocation of the result included); `naive` is the i-j-p triple loop on contiguous arrays. `n=…`: `matmul(randn([n, n]), randn([n, n]))`, plain tensors in JavaScript memory (the headline); `n=…, kernel memory`: the same operands moved with `toKernelMemory`, in the same suite. The step\'s products: x and dY plain, W in the kernel\'s memory (as the default training step has them).',
    '',
    table(['product', 'shape', ...kernels, 'naive', ...kernels.map((k) => `${k} / naive`)], rows, [false, false, ...kernels.map(() => true), true, ...kernels.map(() => true)]),
  ];
  if (report.matmulCalls.length > 0) {
    const callRows = report.matmulCalls.map((r) => [
      r.label,
      r.kernel,
      `${r.calls}`,
      formatSeconds(r.median),
      gflops(r.m, r.k, r.n, r.median).toFixed(2),
      formatSeconds(r.p10),
      formatSeconds(r.p90),
      (r.p90 / r.p10).toFixed(2),
    ]);
    parts.push(
      '',
      'Per call (after benchmark.js, a few warm-up calls, then each call timed alone with performance.now(), a fresh result each): median time and its GFLOP/s, the 10th and 90th percentile times, and their ratio (the spread between calls).',
      '',
      table(['product', 'kernel', 'calls', 'median', 'GFLOP/s', 'p10', 'p90', 'p90 / p10'], callRows, [false, false, true, true, true, true, true, true]),
    );
  }
  return parts.join('\n');
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

function secondOrderSection(report: Report): string {
  const all = report.secondOrder ?? [];
  const configs: NetConfig[] = [];
  for (const row of all) if (!configs.some((c) => sameConfig(c, row.config))) configs.push(row.config);
  const rows: string[][] = [];
  for (const config of configs) {
    const here = all.filter((r) => sameConfig(r.config, config));
    const plain = here.find((r) => r.case === 'forward + backward');
    for (const r of here) {
      rows.push([configLabel(config), r.kernel, r.case, formatSeconds(r.timing.median), plain === undefined ? '–' : formatRatio(r.timing.median / plain.timing.median)]);
    }
  }
  return [
    '## Second order: createGraph and hvp beside the plain backward',
    '',
    "The net's forward + backward (the headline step without its SGD update), the same with `{ createGraph: true }`, and a Hessian-vector product in all four parameters, in one suite; median time per call and its ratio to the plain forward + backward.",
    '',
    table(['(N, D, H, C)', 'kernel', 'case', 'median', '× plain'], rows, [false, false, false, true, true]),
  ].join('\n');
}

/**
 * The targets of issues 5, 6 and 13, per kernel, from this run's figures (the step's: the default loop).
 * The run's default kernel is the first column (the one judged), wasm the second (what a browser gets).
 */
function targetsSection(report: Report): string {
  const kernels = headlineOrder(report, report.steps.filter((r) => r.engine === 'tensorgrad' && r.variant === undefined).map((r) => r.kernel!));
  if (kernels.length === 0) return '';
  const config: NetConfig = { N: 200, D: 3072, H: 100, C: 10 };
  const small: NetConfig = { N: 64, D: 784, H: 256, C: 10 };
  const rate = (row: StepRow | undefined): number | undefined => (row === undefined ? undefined : samplesPerSecond(row));
  const step = (engine: StepRow['engine']): number | undefined => rate(peerRow(report, config, engine));
  const matmul512 = (kernel: string): number | undefined => {
    const row = report.matmul.find((r) => r.label === 'n=512' && r.kernel === kernel);
    return row === undefined ? undefined : gflops(row.m, row.k, row.n, row.timing.median);
  };
  const calls512 = (kernel: string) => report.matmulCalls.find((r) => r.label === 'n=512' && r.kernel === kernel);
  /** [label, value per kernel, goal, how the value must compare with the goal, format, what the cell adds]. */
  type Check = [string, (kernel: string) => number | undefined, number, '≥' | '≤' | '<', (x: number) => string, ((kernel: string) => string)?];
  const per = (value: (k: string) => number | undefined, peer: (k: string) => number | undefined) => (k: string) => {
    const v = value(k);
    const p = peer(k);
    return v === undefined || p === undefined ? undefined : v / p;
  };
  const stepOf = (k: string) => rate(tensorgradRow(report, config, k));
  const tunedOf = (k: string) => rate(tensorgradRow(report, config, k, 'tuned'));
  // A time ratio: the strided step's seconds over the contiguous one's (contiguous samples/s over strided).
  const stridedOf = per(stepOf, (k) => rate(tensorgradRow(report, config, k, 'strided rows')));
  // At (64, 784, 256, 10), against NumPy twice: the faster ordinary row (the × NumPy column's) and the
  // reference row (malloc keeping freed memory: NumPy's compute without this machine's page faults).
  // The target is judged against whichever of the two is faster, so it holds against NumPy's real speed.
  const smallOf = (k: string) => rate(tensorgradRow(report, small, k));
  const smallNumpy = per(smallOf, () => rate(peerRow(report, small, 'numpy')));
  const smallReference = per(smallOf, () => rate(referenceRow(report, small)));
  const smallStronger = (k: string): number | undefined => {
    const ratios = [smallNumpy(k), smallReference(k)].filter((x): x is number => x !== undefined);
    return ratios.length === 0 ? undefined : Math.min(...ratios);
  };
  const smallBoth = (k: string): string => ` (NumPy ${formatRatio(smallNumpy(k))}, ref. ${formatRatio(smallReference(k))})`;
  const gf = (x: number): string => x.toFixed(1);
  const checks: Check[] = [
    ['#5 step (200, 3072, 100, 10) ≥ 4,000 samples/s', stepOf, 4000, '≥', formatCount],
    ['#5 step ≥ 4× tfjs cpu', per(stepOf, () => step('tfjs-cpu')), 4, '≥', formatRatio],
    ['#5 matmul n=512 ≥ 5 GFLOP/s', matmul512, 5, '≥', gf],
    ['#5 matmul n=512 ≥ 3× naive', per(matmul512, () => matmul512('naive')), 3, '≥', formatRatio],
    ['#6 matmul n=512 ≥ 20 GFLOP/s (one thread)', matmul512, 20, '≥', gf],
    ['#6 matmul n=512 ≥ 35 GFLOP/s (two threads)', matmul512, 35, '≥', gf],
    ['#6 step ≥ 20,000 samples/s', stepOf, 20000, '≥', formatCount],
    ['#6 step ≥ 15× tfjs cpu', per(stepOf, () => step('tfjs-cpu')), 15, '≥', formatRatio],
    ['#6 step ≥ 8× tfjs wasm', per(stepOf, () => step('tfjs-wasm')), 8, '≥', formatRatio],
    ['#6 step ≥ 0.35× NumPy (the faster NumPy row)', per(stepOf, () => step('numpy')), 0.35, '≥', formatRatio],
    ['#13 default loop ≥ 0.9× tuned loop', per(stepOf, tunedOf), 0.9, '≥', formatRatio],
    ['#13 every 10th row ≤ 1.5× contiguous (time)', stridedOf, 1.5, '≤', formatRatio],
    ['#13 step (64, 784, 256, 10) ≥ 0.6× NumPy (against the stronger row)', smallStronger, 0.6, '≥', formatRatio, smallBoth],
    ['#13 matmul n=512 plain, per call: median ≥ 35 GFLOP/s', (k) => { const r = calls512(k); return r === undefined ? undefined : gflops(r.m, r.k, r.n, r.median); }, 35, '≥', gf],
    ['#13 matmul n=512 plain, per call: p90/p10 < 1.5', (k) => { const r = calls512(k); return r === undefined ? undefined : r.p90 / r.p10; }, 1.5, '<', (x) => x.toFixed(2)],
  ];
  const rows = checks.map(([label, value, goal, compare, format, detail]) => [
    label,
    ...kernels.map((k) => {
      const v = value(k);
      if (v === undefined) return '–';
      const met = compare === '≥' ? v >= goal : compare === '≤' ? v <= goal : v < goal;
      return `${met ? '✓' : '✗'} ${format(v)}${detail === undefined ? '' : detail(k)}`;
    }),
  ]);
  return [
    '## Targets (issues 5, 6 and 13), per kernel',
    '',
    `The first kernel column is the run's default kernel (${report.defaultKernel}), the one the targets judge; \`wasm\` is what a browser gets. Step figures are the default loop's (the headline rows); matmul n=512 is the plain-tensor row. The NumPy target at (64, 784, 256, 10) is judged against the stronger (more samples/s) of two NumPy rows, both ratios shown: \`NumPy\`, the faster ordinary row (the × NumPy column's), and \`ref.\`, the reference row (malloc keeping freed memory: NumPy's compute without this machine's page faults).`,
    '',
    table(['target', ...kernels.map((k) => kernelHeader(report, k))], rows, [false, ...kernels.map(() => true)]),
  ].join('\n');
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
  const browser = browserSection(report);
  if (browser !== '') sections.push('', browser);
  const fastByDefault = defaultSection(report);
  if (fastByDefault !== '') sections.push('', fastByDefault);
  if (report.matmul.length > 0) sections.push('', matmulSection(report));
  if (report.jacobian.length > 0) sections.push('', jacobianSection(report));
  if (report.overhead.length > 0) sections.push('', overheadSection(report));
  if (report.phases.length > 0) sections.push('', phaseSection(report));
  if ((report.secondOrder ?? []).length > 0) sections.push('', secondOrderSection(report));
  const targets = targetsSection(report);
  if (targets !== '') sections.push('', targets);
  return sections.join('\n') + '\n';
}

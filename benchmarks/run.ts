/**
 * `pnpm bench [--quick] [--only=suite,...] [--readme]`: runs the benny suites one after another (one per
 * file in benchmarks/), then prints a summary with the ratios against the peers measured in the same run,
 * and writes it to results/summary.md (plus results/summary.json and benny's JSON and chart per suite).
 * `--readme` also puts the summary into benchmarks/README.md, between its summary markers.
 */
import { gemmKernel, nativeKernelInfo, wasmKernelInfo } from 'tensorgrad';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resultsDir, type BenchOptions } from './src/bench.js';
import { availableKernels } from './src/kernels.js';
import type { Report } from './src/report.js';
import { renderSummary } from './src/summary.js';
import * as browser from './browser/suite.js';
import * as jacobianFree from './jacobian-free.js';
import * as matmul from './matmul.js';
import * as overhead from './overhead.js';
import * as trainingStep from './training-step.js';

const suites: Record<string, (options: BenchOptions, report: Report) => Promise<void>> = {
  'training-step': trainingStep.run,
  matmul: matmul.run,
  'jacobian-free': jacobianFree.run,
  overhead: overhead.run,
  browser: browser.run,
};

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line !== undefined) return line.split(':')[1]!.trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** The native kernel as it ran: instruction set, tile, k block, helper thread; or why it did not load. */
function nativeKernelLine(): string {
  const info = nativeKernelInfo();
  if (!info.available) return `not available (${info.reason})`;
  return `${info.isa}, tile ${info.microTile}, kc ${info.kc}, helper thread ${info.helper} (products of ≥ ${info.threadMinWork.toLocaleString('en-US')} multiply-adds)${info.sameBitsAsWasm ? ', same bits as wasm' : ''}`;
}

/** The WebAssembly kernel as it ran: FMA build or not, tile, its second thread's state. */
function wasmKernelLine(): string {
  const info = wasmKernelInfo();
  if (!info.available) return 'not available';
  return `SIMD${info.fma ? ' with FMA' : ''}, tile ${info.microTile}, second thread ${info.threads}${info.worker === null ? '' : ` (${info.worker})`}`;
}

function parseArgs(argv: string[]): { options: BenchOptions; only: string[]; readme: boolean } {
  const options: BenchOptions = { quick: false };
  let only = Object.keys(suites);
  let readme = false;
  for (const arg of argv) {
    if (arg === '--') continue;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--readme') readme = true;
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',');
    else throw new Error(`pnpm bench: unknown argument '${arg}' (use --quick, --readme, --only=${Object.keys(suites).join(',')})`);
  }
  const unknown = only.filter((name) => !(name in suites));
  if (unknown.length > 0) throw new Error(`pnpm bench: unknown suite(s) ${unknown.join(', ')} (known: ${Object.keys(suites).join(', ')})`);
  return { options, only, readme };
}

/** Replaces what sits between the summary markers of README.md, headings moved two levels down. */
function updateReadme(summary: string): string {
  const readme = path.join(resultsDir, '..', 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- summary:start -->';
  const end = '<!-- summary:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`pnpm bench --readme: ${readme} has no ${start} ... ${end} markers`);
  const body = summary.replace(/^#/gm, '###');
  writeFileSync(readme, `${text.slice(0, i + start.length)}\n${body}${text.slice(j)}`);
  return readme;
}

async function main(): Promise<void> {
  const { options, only, readme } = parseArgs(process.argv.slice(2));
  const defaultKernel = gemmKernel().name;
  const start = performance.now();
  const report: Report = {
    quick: options.quick,
    started: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    seconds: 0,
    defaultKernel,
    machine: {
      machine: `${os.availableParallelism()} cores (nproc), ${cpuModel()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
      node: `${process.version} (${process.platform} ${process.arch})`,
      'gemm kernels': `${availableKernels().join(', ')} (default: ${defaultKernel}${process.env.TENSORGRAD_KERNEL ? `, TENSORGRAD_KERNEL=${process.env.TENSORGRAD_KERNEL}` : ''})`,
    },
    notes: [],
    steps: [],
    matmul: [],
    matmulCalls: [],
    jacobian: [],
    overhead: [],
    phases: [],
  };
  console.log(`pnpm bench${options.quick ? ' --quick' : ''}: suites ${only.join(', ')}; results in ${path.relative(process.cwd(), resultsDir) || '.'}/`);
  console.log(`gemm kernels: ${report.machine['gemm kernels']}; native: ${nativeKernelLine()}; wasm: ${wasmKernelLine()}`);
  mkdirSync(resultsDir, { recursive: true });
  // A suite that fails is reported and the others still run; the exit code says something failed.
  const failed: string[] = [];
  for (const name of only) {
    console.log(`\n=== ${name} ===`);
    const suiteStart = performance.now();
    try {
      await suites[name]!(options, report);
    } catch (error) {
      console.error(error);
      failed.push(name);
      report.notes.push(`SUITE FAILED: ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    console.log(`(${name}: ${((performance.now() - suiteStart) / 1e3).toFixed(0)} s)`);
  }
  report.seconds = (performance.now() - start) / 1e3;
  // After the suites: the helper thread's and the second thread's state as the products left them.
  report.machine['native kernel'] = nativeKernelLine();
  report.machine['wasm kernel'] = wasmKernelLine();
  const summary = renderSummary(report);
  writeFileSync(path.join(resultsDir, 'summary.md'), summary);
  writeFileSync(path.join(resultsDir, 'summary.json'), JSON.stringify(report, null, 2));
  console.log(`\n${summary}`);
  console.log(`(written to ${path.join(resultsDir, 'summary.md')}; benny's JSON and charts beside it)`);
  if (readme) console.log(`(and to ${updateReadme(summary)})`);
  if (failed.length > 0) {
    console.error(`pnpm bench: suite(s) failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();

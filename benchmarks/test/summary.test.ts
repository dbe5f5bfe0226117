// The summary's headline and targets: the run's default kernel is the one judged (first column), and the
// NumPy target at (64, 784, 256, 10) is judged against the stronger of the ordinary and reference rows.
import { describe, expect, it } from 'vitest';
import type { CaseTiming } from '../src/bench.js';
import type { NetConfig } from '../src/net.js';
import type { NumpyEnv, Report, StepRow } from '../src/report.js';
import { renderSummary } from '../src/summary.js';

const small: NetConfig = { N: 64, D: 784, H: 256, C: 10 };

/** A timing whose median makes `samplesPerSecond` samples/s at `config`. */
function timing(config: NetConfig, samplesPerSecond: number): CaseTiming {
  const median = config.N / samplesPerSecond;
  return { name: 'case', mean: median, median, rme: 1, samples: 10 };
}

const tensorgrad = (kernel: string, rate: number): StepRow => ({ config: small, engine: 'tensorgrad', kernel, timing: timing(small, rate) });
const numpy = (env: NumpyEnv, rate: number): StepRow => ({ config: small, engine: 'numpy', blas: { env }, timing: timing(small, rate) });

function report(defaultKernel: string, steps: StepRow[]): Report {
  return { quick: true, started: '2026-12-05T00:00:00Z', seconds: 1, defaultKernel, machine: {}, notes: [], steps, matmul: [], matmulCalls: [], jacobian: [], overhead: [], phases: [] };
}

/** The cells of the targets table's row that starts with `label`, header cells for the header row. */
function targetCells(summary: string, label: string): string[] {
  const section = summary.slice(summary.indexOf('## Targets'));
  const line = section.split('\n').find((l) => l.startsWith(`| ${label}`));
  if (line === undefined) throw new Error(`no row ${label}`);
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

describe('the targets table', () => {
  it('puts the default kernel first and wasm, the browser default, second', () => {
    const summary = renderSummary(report('native', [tensorgrad('ts', 5_000), tensorgrad('wasm', 30_000), tensorgrad('native', 75_000)]));
    expect(targetCells(summary, 'target')).toEqual(['target', 'native (default)', 'wasm (browser default)', 'ts']);
  });

  it('judges the NumPy target against the reference row when it is the stronger one', () => {
    // 48,000 samples/s: 0.8× the faster ordinary row (60,000), 0.53× the reference row (90,000).
    const steps = [tensorgrad('native', 48_000), numpy('machine', 40_000), numpy('unset', 60_000), numpy('malloc-kept', 90_000)];
    const cells = targetCells(renderSummary(report('native', steps)), '#13 step (64, 784, 256, 10) ≥ 0.6× NumPy');
    expect(cells[1]).toBe('✗ 0.53× (NumPy 0.80×, ref. 0.53×)');
  });

  it('judges it against the ordinary row when that one is faster', () => {
    // 45,000 samples/s: 0.64× the ordinary row (70,000), 0.9× a reference row that ran slower (50,000).
    const steps = [tensorgrad('native', 45_000), numpy('machine', 70_000), numpy('malloc-kept', 50_000)];
    const cells = targetCells(renderSummary(report('native', steps)), '#13 step (64, 784, 256, 10) ≥ 0.6× NumPy');
    expect(cells[1]).toBe('✓ 0.64× (NumPy 0.64×, ref. 0.90×)');
  });

  it('states the default kernel’s and wasm’s ratio to the NumPy reference row beside the step table', () => {
    const steps = [tensorgrad('wasm', 30_000), tensorgrad('native', 90_000), numpy('machine', 10_000), numpy('malloc-kept', 60_000)];
    const summary = renderSummary(report('native', steps));
    expect(summary).toContain("- (64, 784, 256, 10): tensorgrad's default loop against the NumPy reference row: 1.50× on native (the default kernel), 0.50× on wasm.");
    // The × NumPy column stays against the ordinary row only: 90,000 / 10,000.
    const row = summary.split('\n').find((l) => l.includes('| tensorgrad (native) '))!;
    expect(row.trim().endsWith('9.00× |')).toBe(true);
  });
});

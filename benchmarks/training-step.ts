/**
 * Suites 1 and 2: the two-layer net's training step (forward, backward, SGD update) in samples/s, for
 * every gemm kernel of tensorgrad; tfjs's cpu and wasm backends in a child Node process (tfjs-child.ts)
 * and NumPy (float64, one thread, hand-written backward) in a python3 child, each before and after
 * tensorgrad in a full run. One process per engine family: after tfjs has run training steps in a
 * process, that process far more often falls into V8's state of a Mark-Compact every few steps, and
 * tensorgrad's two-thread step then runs 10–20% slower (benchmarks/README.md has the diagnosis).
 *
 * tensorgrad's headline row, per kernel and config, is the loop a PyTorch user writes (src/net.ts: plain
 * `zeroGrad()`, the minibatch an ordinary tensor); beside it, in the same suite, the tuned loop
 * (`zeroGrad({ setToNone: false })`, minibatch moved with `toKernelMemory`) and, at the first config, the
 * default loop with the minibatch a strided view: every 10th row of a [2000, 3072] dataset, and a block
 * of columns of a [200, 4096] tensor.
 */
import { formatSeconds, runSuite, type BenchOptions, type Budget, type Case } from './src/bench.js';
import { availableKernels, timesVariants, useKernel } from './src/kernels.js';
import { columnBlock, configLabel, makeMinibatch, stridedRows, tensorgradStep, type NetConfig } from './src/net.js';
import { openblasSettings, runNumpyPeer, type NumpyRun } from './src/numpy-peer.js';
import type { NumpyEnv, Report, StepRow, StepVariant } from './src/report.js';
import type { TfjsReply } from './src/tfjs-child.js';
import { runTfjsPeer } from './src/tfjs-runner.js';

/**
 * The case name of a tensorgrad row: `tensorgrad <kernel>` for the headline (the default loop on an
 * ordinary contiguous minibatch), `tensorgrad <kernel> <variant>` for the others.
 */
function caseName(kernel: string, variant?: StepVariant): string {
  return `tensorgrad ${kernel}${variant === undefined ? '' : ` ${variant}`}`;
}

export const stepConfigs: readonly NetConfig[] = [
  { N: 200, D: 3072, H: 100, C: 10 },
  { N: 64, D: 784, H: 256, C: 10 },
  { N: 100, D: 4096, H: 4096, C: 10 },
];

/** A step of the largest config does ~6.7 GFLOP: seconds per call on a slow kernel, so few samples. */
export function isLarge({ D, H }: NetConfig): boolean {
  return D * H > 4e6;
}

export function budgetFor(config: NetConfig, quick: boolean): Budget {
  if (isLarge(config)) return { maxTime: 2, minSamples: 3 };
  return quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 1, minSamples: 5 };
}

/**
 * A full run times the smaller configs in two rounds (best of the two per engine; see runSuite). For the
 * tfjs peers a round is a child process: one before tensorgrad's suite, one after it.
 */
export function roundsFor(config: NetConfig, quick: boolean): number {
  return quick || isLarge(config) ? 1 : 2;
}

export async function run(options: BenchOptions, report: Report): Promise<void> {
  const defaultKernel = report.defaultKernel;
  const configs = options.quick ? stepConfigs.filter((c) => !isLarge(c)) : stepConfigs;
  const kernels = availableKernels();
  const firstLosses = new Map<string, [string, number][]>();

  // NumPy runs in a child; a full run times it before and after the other engines and keeps its better
  // round, as the two smaller configs keep each engine's better round. Each round runs the child twice
  // when the machine sets OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE: once in the machine's environment, once
  // without both (they may select another OpenBLAS kernel).
  const numpyEnvs: NumpyEnv[] = [...(openblasSettings().length > 0 ? (['machine', 'unset'] as const) : (['machine'] as const)), 'malloc-kept'];
  const numpy: { rounds: NumpyRun[]; skipped?: string } = { rounds: [] };
  const numpyRound = (round: number): void => {
    for (const env of numpyEnvs) {
      console.log(`\ntraining step: NumPy peer, round ${round}, ${numpyEnvLabel(env)} (python3 child, float64, one thread)`);
      const result = runNumpyPeer(configs, options.quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 1, minSamples: 5 }, env);
      if ('skipped' in result) {
        numpy.skipped = result.skipped;
        console.log(`  skipped: ${result.skipped}`);
        return;
      }
      console.log(`  ${result.description}`);
      for (const t of result.timings) {
        console.log(`  ${configLabel(t.config).padEnd(22)} first-step loss ${t.firstLoss.toFixed(5)}  median ${formatSeconds(t.median)}/step  mean ${formatSeconds(t.mean)} ±${t.rme.toFixed(1)}%  (${t.samples} samples)`);
      }
      numpy.rounds.push(result);
    }
  };

  // tfjs runs in a child Node process too, one per round: round 1 before tensorgrad, round 2 (the configs
  // that get two rounds, backends in reverse order) after it. This process never loads tfjs.
  const tfjs: { rounds: Extract<TfjsReply, { results: unknown }>[]; failures: string[] } = { rounds: [], failures: [] };
  const tfjsRound = async (round: number): Promise<void> => {
    const wanted = configs.filter((c) => roundsFor(c, options.quick) >= round);
    if (wanted.length === 0 || (round > 1 && tfjs.rounds.length === 0)) return;
    console.log(`\ntraining step: tfjs peers, round ${round} (child Node process)`);
    const reply = await runTfjsPeer({ configs: wanted, quick: options.quick, round });
    if ('skipped' in reply) {
      tfjs.failures.push(`round ${round}: ${reply.skipped}`);
      console.log(`  skipped: ${reply.skipped}`);
    } else tfjs.rounds.push(reply);
  };

  if (!options.quick) numpyRound(1);
  await tfjsRound(1);

  const tensorgradRows: StepRow[] = [];
  for (const config of configs) {
    const batch = makeMinibatch(config);
    const label = configLabel(config);
    const first = config === configs[0];
    // Every kernel: the headline step (the default loop, x an ordinary tensor), then the tuned loop
    // (all kernels at the smaller configs, the default one at the largest: seconds per step elsewhere),
    // and at the first config the default loop with x a strided view: every 10th row of a larger
    // dataset, and a block of columns of a wider tensor. Each next to its headline, in one suite. A
    // quick run times the variants on the default kernel and wasm only.
    const variants = (kernel: string): StepVariant[] =>
      timesVariants(kernel, defaultKernel, options.quick)
        ? [...(!isLarge(config) || kernel === defaultKernel ? (['tuned'] as const) : []), ...(first ? (['strided rows', 'column block'] as const) : [])]
        : [];
    const strided = first ? stridedRows(config, batch) : undefined;
    const columns = first ? columnBlock(config, batch) : undefined;
    const cases: Case[] = [];
    const rows: { kernel: string; variant?: StepVariant }[] = [];
    const firstLoss: [string, number][] = [];
    for (const kernel of kernels) {
      for (const variant of [undefined, ...variants(kernel)]) {
        useKernel(kernel);
        const net = tensorgradStep(config, batch, {
          loop: variant === 'tuned' ? 'tuned' : 'default',
          x: variant === 'strided rows' ? strided : variant === 'column block' ? columns : undefined,
        });
        const name = caseName(kernel, variant);
        firstLoss.push([name, net.step()]);
        rows.push({ kernel, variant });
        cases.push({
          name,
          fn: () => {
            useKernel(kernel);
            return net.step();
          },
        });
      }
    }
    // The same minibatch and initial weights everywhere: the first losses agree (to float32 precision).
    firstLosses.set(label, firstLoss);
    console.log(`\ntraining step ${label}: first-step loss ${firstLoss.map(([engine, loss]) => `${engine} ${loss.toFixed(5)}`).join(', ')}`);
    const timings = await runSuite(`training-step-${config.N}x${config.D}x${config.H}x${config.C}`, `training step ${label}`, cases, budgetFor(config, options.quick), roundsFor(config, options.quick));
    for (const { kernel, variant } of rows) {
      const timing = timings.get(caseName(kernel, variant));
      if (timing !== undefined) tensorgradRows.push({ config, engine: 'tensorgrad', kernel, ...(variant === undefined ? {} : { variant }), timing });
    }
  }
  report.steps.push(...tensorgradRows);
  useKernel(defaultKernel);

  await tfjsRound(2);
  if (!numpy.skipped) numpyRound(options.quick ? 1 : 2);

  if (tfjs.rounds.length === 0) report.notes.push(`tfjs peers missing: ${tfjs.failures.join('; ')}`);
  else {
    const rounds = tfjs.rounds.length > 1 ? `best of ${tfjs.rounds.length} rounds (before and after tensorgrad) at the configs that get two` : 'one round';
    report.notes.push(`tfjs peers: ${tfjs.rounds[0]!.description}; in a Node process of their own, ${rounds}`);
    if (tfjs.failures.length > 0) report.notes.push(`tfjs peers: ${tfjs.failures.join('; ')}`);
    for (const config of configs) {
      const label = configLabel(config);
      for (const engine of ['tfjs-cpu', 'tfjs-wasm'] as const) {
        const candidates = tfjs.rounds.flatMap((r) => r.results.filter((t) => t.engine === engine && configLabel(t.config) === label));
        const best = candidates.reduce<(typeof candidates)[number] | undefined>((b, t) => (b === undefined || t.timing.median < b.timing.median ? t : b), undefined);
        if (best === undefined) continue;
        report.steps.push({ config, engine, timing: best.timing });
        firstLosses.get(label)?.push([engine, best.firstLoss]);
      }
    }
  }
  if (numpy.skipped) report.notes.push(`NumPy peer skipped: ${numpy.skipped}`);
  else {
    for (const env of numpyEnvs) {
      const runs = numpy.rounds.filter((r) => r.env === env);
      if (runs.length === 0) continue;
      report.notes.push(`NumPy peer (${numpyEnvLabel(env)}): ${runs[0]!.description}${runs.length > 1 ? `; best of ${runs.length} rounds (before and after the other engines)` : ''}`);
      for (const config of configs) {
        const label = configLabel(config);
        const candidates = runs.flatMap((r) => r.timings.filter((t) => configLabel(t.config) === label).map((t) => ({ t, core: r.core })));
        const best = candidates.reduce<(typeof candidates)[number] | undefined>((b, c) => (b === undefined || c.t.median < b.t.median ? c : b), undefined);
        if (best === undefined) continue;
        report.steps.push({ config, engine: 'numpy', blas: { env, ...(best.core === undefined ? {} : { core: best.core }) }, timing: best.t });
        firstLosses.get(label)?.push([`numpy (${env})`, best.t.firstLoss]);
      }
    }
  }
  report.notes.push(...agreement(firstLosses));
}

/** One note per config: every engine's loss after its first step from the shared start (they should agree). */
function agreement(firstLosses: Map<string, [string, number][]>): string[] {
  return [...firstLosses].map(([label, losses]) => {
    const values = losses.map(([, loss]) => loss);
    const spread = Math.max(...values) - Math.min(...values);
    const agree = spread <= 1e-4 * Math.max(1, Math.abs(values[0]!));
    return agree
      ? `first-step loss at ${label}: ${values[0]!.toFixed(5)} in all ${losses.length} engines (spread ${spread.toExponential(1)})`
      : `first-step loss at ${label} DISAGREES: ${losses.map(([engine, loss]) => `${engine} ${loss.toFixed(6)}`).join(', ')}`;
  });
}

function numpyEnvLabel(env: NumpyEnv): string {
  if (env === 'machine') return "the machine's environment";
  if (env === 'unset') return 'OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset';
  return 'OpenBLAS variables unset, malloc keeping freed memory (reference only)';
}

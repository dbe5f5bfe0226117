/**
 * Suites 1 and 2: the two-layer net's training step (forward, backward, SGD update) in samples/s, for
 * every gemm kernel of tensorgrad, side by side with tfjs's cpu and wasm backends in the same benny suite,
 * and NumPy (float64, one thread, hand-written backward) in a python3 child, before and after them.
 */
import { formatSeconds, runSuite, type BenchOptions, type Budget, type Case } from './src/bench.js';
import { availableKernels, useKernel } from './src/kernels.js';
import { configLabel, makeMinibatch, tensorgradStep, type NetConfig } from './src/net.js';
import { runNumpyPeer, type NumpyRun } from './src/numpy-peer.js';
import type { Report } from './src/report.js';
import { initTfjs, tfjsStep } from './src/tfjs-peer.js';

export const stepConfigs: readonly NetConfig[] = [
  { N: 200, D: 3072, H: 100, C: 10 },
  { N: 64, D: 784, H: 256, C: 10 },
  { N: 100, D: 4096, H: 4096, C: 10 },
];

/** A step of the largest config does ~6.7 GFLOP: seconds per call on a slow kernel, so few samples. */
function isLarge({ D, H }: NetConfig): boolean {
  return D * H > 4e6;
}

function budgetFor(config: NetConfig, quick: boolean): Budget {
  if (isLarge(config)) return { maxTime: 2, minSamples: 3 };
  return quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 1, minSamples: 5 };
}

/** A full run times the smaller configs in two rounds (best of the two per engine; see runSuite). */
function roundsFor(config: NetConfig, quick: boolean): number {
  return quick || isLarge(config) ? 1 : 2;
}

export async function run(options: BenchOptions, report: Report): Promise<void> {
  const tfjs = await initTfjs();
  report.notes.push(`tfjs peers: ${tfjs.description}`);
  const configs = options.quick ? stepConfigs.filter((c) => !isLarge(c)) : stepConfigs;
  const kernels = availableKernels();
  const firstLosses = new Map<string, [string, number][]>();

  // NumPy runs in a child; a full run times it before and after the other engines and keeps its better
  // round, as the two smaller configs keep each engine's better round.
  const numpy: { rounds: NumpyRun[]; skipped?: string } = { rounds: [] };
  const numpyRound = (round: number): void => {
    console.log(`\ntraining step: NumPy peer, round ${round} (python3 child, float64, one thread)`);
    const result = runNumpyPeer(configs, options.quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 1, minSamples: 5 });
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
  };
  if (!options.quick) numpyRound(1);

  for (const config of configs) {
    const batch = makeMinibatch(config);
    const label = configLabel(config);
    const cases: Case[] = [];
    const firstLoss: [string, number][] = [];
    for (const kernel of kernels) {
      useKernel(kernel);
      const net = tensorgradStep(config, batch);
      firstLoss.push([`tensorgrad ${kernel}`, net.step()]);
      cases.push({
        name: `tensorgrad ${kernel}`,
        fn: () => {
          useKernel(kernel);
          return net.step();
        },
      });
    }
    const peers: ReturnType<typeof tfjsStep>[] = [];
    for (const backend of tfjs.backends) {
      const net = tfjsStep(backend, config, batch);
      peers.push(net);
      firstLoss.push([`tfjs-${backend}`, net.step()]);
      cases.push({ name: `tfjs-${backend}`, fn: () => net.step() });
    }
    // The same minibatch and initial weights everywhere: the first losses agree (to float32 precision).
    firstLosses.set(label, firstLoss);
    console.log(`\ntraining step ${label}: first-step loss ${firstLoss.map(([engine, loss]) => `${engine} ${loss.toFixed(5)}`).join(', ')}`);
    const timings = await runSuite(`training-step-${config.N}x${config.D}x${config.H}x${config.C}`, `training step ${label}`, cases, budgetFor(config, options.quick), roundsFor(config, options.quick));
    for (const net of peers) net.dispose();
    for (const kernel of kernels) {
      const timing = timings.get(`tensorgrad ${kernel}`);
      if (timing !== undefined) report.steps.push({ config, engine: 'tensorgrad', kernel, timing });
    }
    for (const engine of ['tfjs-cpu', 'tfjs-wasm'] as const) {
      const timing = timings.get(engine);
      if (timing !== undefined) report.steps.push({ config, engine, timing });
    }
  }

  if (!numpy.skipped) numpyRound(options.quick ? 1 : 2);
  if (numpy.skipped) report.notes.push(`NumPy peer skipped: ${numpy.skipped}`);
  else {
    report.notes.push(`NumPy peer: ${numpy.rounds[0]!.description}${numpy.rounds.length > 1 ? `; best of ${numpy.rounds.length} rounds (before and after the other engines)` : ''}`);
    for (const config of configs) {
      const label = configLabel(config);
      const candidates = numpy.rounds.flatMap((r) => r.timings.filter((t) => configLabel(t.config) === label));
      const best = candidates.reduce<(typeof candidates)[number] | undefined>((b, t) => (b === undefined || t.median < b.median ? t : b), undefined);
      if (best === undefined) continue;
      report.steps.push({ config, engine: 'numpy', timing: best });
      firstLosses.get(label)?.push(['numpy', best.firstLoss]);
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

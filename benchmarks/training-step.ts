/**
 * Suites 1 and 2: the two-layer net's training step (forward, backward, SGD update) in samples/s, for
 * every gemm kernel of tensorgrad, side by side with tfjs's cpu and wasm backends in the same benny suite,
 * and NumPy (float64, one thread, hand-written backward) in a python3 child right after.
 */
import { runSuite, type BenchOptions, type Budget, type Case } from './src/bench.js';
import { availableKernels, useKernel } from './src/kernels.js';
import { configLabel, makeMinibatch, tensorgradStep, type NetConfig } from './src/net.js';
import { runNumpyPeer } from './src/numpy-peer.js';
import type { Report } from './src/report.js';
import { initTfjs, tfjsStep, type TfBackend } from './src/tfjs-peer.js';

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
  if (isLarge(config)) return { maxTime: 0.5, minSamples: 2 };
  return quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 2, minSamples: 5 };
}

export async function run(options: BenchOptions, report: Report): Promise<void> {
  report.notes.push(`tfjs peers: ${await initTfjs()}, float32`);
  const configs = options.quick ? stepConfigs.filter((c) => !isLarge(c)) : stepConfigs;
  const kernels = availableKernels();
  for (const config of configs) {
    const batch = makeMinibatch(config);
    const label = configLabel(config);
    const cases: Case[] = [];
    const firstLoss: string[] = [];
    for (const kernel of kernels) {
      useKernel(kernel);
      const net = tensorgradStep(config, batch);
      firstLoss.push(`tensorgrad ${kernel} ${net.step().toFixed(5)}`);
      cases.push({
        name: `tensorgrad ${kernel}`,
        fn: () => {
          useKernel(kernel);
          return net.step();
        },
      });
    }
    const peers: ReturnType<typeof tfjsStep>[] = [];
    for (const backend of ['cpu', 'wasm'] as TfBackend[]) {
      const net = tfjsStep(backend, config, batch);
      peers.push(net);
      firstLoss.push(`tfjs-${backend} ${net.step().toFixed(5)}`);
      cases.push({ name: `tfjs-${backend}`, fn: () => net.step() });
    }
    // The same minibatch and initial weights everywhere: the first losses agree (to float32 precision).
    console.log(`\ntraining step ${label}: first-step loss ${firstLoss.join(', ')}`);
    const timings = await runSuite(`training-step-${config.N}x${config.D}x${config.H}x${config.C}`, `training step ${label}`, cases, budgetFor(config, options.quick));
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

  console.log('\ntraining step: numpy peer (python3 child, float64, one thread)');
  const numpy = runNumpyPeer(configs, options.quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 2, minSamples: 5 });
  if ('skipped' in numpy) {
    report.notes.push(`NumPy peer skipped: ${numpy.skipped}`);
    console.log(`  skipped: ${numpy.skipped}`);
    return;
  }
  report.notes.push(`NumPy peer: ${numpy.description}`);
  console.log(`  ${numpy.description}`);
  for (const timing of numpy.timings) {
    console.log(`  ${configLabel(timing.config).padEnd(22)} first-step loss ${timing.firstLoss.toFixed(5)}  ${(timing.mean * 1e3).toFixed(2)} ms/step  ±${timing.rme.toFixed(1)}%  (${timing.samples} samples)`);
    report.steps.push({ config: timing.config, engine: 'numpy', timing });
  }
}

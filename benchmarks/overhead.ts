/**
 * Suite 5: engine overhead — the share of a training step spent outside the matmul kernels (graph
 * recording, the backward walk, elementwise ops, the loss, SGD, allocation). Each kernel is wrapped in a
 * GemmKernel that adds up the time spent inside it, over the same calls whose wall time the case adds up
 * (benchmark.js drives the calls; its own per-step figure is kept in the JSON).
 */
import { runSuite, type BenchOptions, type Case } from './src/bench.js';
import { TimedKernel, availableKernels } from './src/kernels.js';
import { configLabel, makeMinibatch, tensorgradStep } from './src/net.js';
import type { Report } from './src/report.js';
import { stepConfigs } from './training-step.js';

export async function run(options: BenchOptions, report: Report): Promise<void> {
  const configs = options.quick ? stepConfigs.slice(0, 1) : stepConfigs;
  for (const config of configs) {
    const large = config.D * config.H > 4e6;
    const batch = makeMinibatch(config);
    // The share comes from the same calls on both sides: wall time of every step and gemm time inside it.
    const probes: { kernel: string; timed: TimedKernel; total: { steps: number; seconds: number } }[] = [];
    const cases: Case[] = availableKernels().map((kernel) => {
      const timed = TimedKernel.around(kernel);
      const net = tensorgradStep(config, batch);
      const total = { steps: 0, seconds: 0 };
      probes.push({ kernel, timed, total });
      return {
        name: `tensorgrad ${kernel} (timed gemm)`,
        fn: () => {
          timed.activate();
          const start = performance.now();
          const loss = net.step();
          total.seconds += (performance.now() - start) / 1e3;
          total.steps++;
          return loss;
        },
      };
    });
    const budget = large ? { maxTime: 0, minSamples: 2 } : options.quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 1, minSamples: 5 };
    const timings = await runSuite(`overhead-${config.N}x${config.D}x${config.H}x${config.C}`, `engine overhead ${configLabel(config)}`, cases, budget);
    for (const { kernel, timed, total } of probes) {
      const timing = timings.get(`tensorgrad ${kernel} (timed gemm)`);
      if (timing === undefined || total.steps === 0) continue;
      report.overhead.push({
        config,
        kernel,
        step: total.seconds / total.steps,
        gemm: timed.seconds / total.steps,
        callsPerStep: timed.calls / total.steps,
        timing,
      });
    }
  }
}

/**
 * Suite 5: engine overhead — the share of a training step spent outside the matmul kernels (graph
 * recording, the backward walk, elementwise ops, the loss, SGD, allocation). Each kernel is wrapped in a
 * GemmKernel that adds up the time spent inside it; the step's own time comes from benchmark.js.
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
    const probes: { kernel: string; timed: TimedKernel; steps: () => number }[] = [];
    const cases: Case[] = availableKernels().map((kernel) => {
      const timed = TimedKernel.around(kernel);
      const net = tensorgradStep(config, batch);
      let steps = 0;
      probes.push({ kernel, timed, steps: () => steps });
      return {
        name: `tensorgrad ${kernel} (timed gemm)`,
        fn: () => {
          timed.activate();
          steps++;
          return net.step();
        },
      };
    });
    const budget = large ? { maxTime: 0, minSamples: 2 } : options.quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 1, minSamples: 5 };
    const timings = await runSuite(`overhead-${config.N}x${config.D}x${config.H}x${config.C}`, `engine overhead ${configLabel(config)}`, cases, budget);
    for (const { kernel, timed, steps } of probes) {
      const timing = timings.get(`tensorgrad ${kernel} (timed gemm)`);
      if (timing === undefined || steps() === 0) continue;
      report.overhead.push({ config, kernel, step: timing.mean, gemm: timed.seconds / steps(), callsPerStep: timed.calls / steps(), timing });
    }
  }
}

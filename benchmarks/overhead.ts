/**
 * Suite 5: engine overhead — the share of a training step (the headline's: the default loop of
 * src/net.ts) spent outside the matmul kernels (graph recording, the backward walk, elementwise ops, the
 * loss, SGD, allocation). Each kernel is wrapped in a GemmKernel that adds up the time spent inside it, over the same calls whose wall time the case adds up
 * (benchmark.js drives the calls; its own per-step figure is kept in the JSON).
 *
 * Then a profile of where the rest goes, for the default kernel: each layer's forward, the loss, each op's
 * backward (timed between the engine's onStep reports), the gradient hand-off to the leaves, SGD's update.
 */
import { fromData, gradients, mul, softmaxCrossEntropy, sum, type Module, type Tensor } from 'tensorgrad';
import { runSuite, type BenchOptions, type Case } from './src/bench.js';
import { TimedKernel, availableKernels, useKernel } from './src/kernels.js';
import { buildNet, configLabel, makeMinibatch, tensorgradStep, type Minibatch, type NetConfig } from './src/net.js';
import type { PhaseRow, Report, SecondOrderCase } from './src/report.js';
import { stepConfigs } from './training-step.js';

/**
 * Times the phases of `steps` training steps (after a warm-up) with the kernel `kernel` wrapped for timing.
 * Backward phases are the intervals between the engine's onStep reports, one per op in the order the engine
 * runs them; what follows the last report is the hand-off of gradients to the leaves' .grad.
 */
function profile(config: NetConfig, batch: Minibatch, kernel: string, steps: number, warmup: number): PhaseRow[] {
  const { x, model, optimizer } = buildNet(config, batch);
  const timed = TimedKernel.around(kernel);
  timed.activate();
  const totals = new Map<string, { seconds: number; gemm: number }>();
  let mark = 0;
  let gemmMark = 0;
  let record = false;
  /** Ends the current phase (a null phase only starts the clock). */
  const lap = (phase: string | null): void => {
    const now = performance.now();
    if (record && phase !== null) {
      const entry = totals.get(phase) ?? { seconds: 0, gemm: 0 };
      entry.seconds += (now - mark) / 1e3;
      entry.gemm += timed.seconds - gemmMark;
      totals.set(phase, entry);
    }
    mark = now;
    gemmMark = timed.seconds;
  };
  const layers: readonly Module[] = model.layers;
  for (let s = 0; s < warmup + steps; s++) {
    record = s >= warmup;
    lap(null);
    // As the headline step (src/net.ts, the default loop) does. onStep makes backward hand each rule's
    // gradients out as tensors, so here linear's dW is computed into a new array and then handed to the
    // leaf (in 'gradients to leaves'), where the timed step has the kernel write it in directly.
    optimizer.zeroGrad();
    lap('zeroGrad');
    let h = x;
    layers.forEach((layer, i) => {
      h = layer.forward(h);
      lap(`forward ${i}: ${layer.constructor.name}`);
    });
    const loss = softmaxCrossEntropy(h, batch.labels);
    lap('forward: softmaxCrossEntropy');
    const count = new Map<string, number>();
    loss.backward(undefined, {
      onStep: ({ op }) => {
        const k = (count.get(op) ?? 0) + 1;
        count.set(op, k);
        lap(`backward: ${op}${k > 1 ? ` #${k}` : ''}`);
      },
    });
    lap('backward: gradients to leaves');
    optimizer.step();
    lap('SGD step');
  }
  return [...totals].map(([phase, { seconds, gemm }]) => ({ config, kernel, phase, seconds: seconds / steps, gemm: gemm / steps }));
}

/**
 * What the second-order path costs beside the plain one, on the default kernel in one benny suite: the net's
 * forward + backward as the headline step has it (no SGD update, so every call sees the same weights), the
 * same with `backward(undefined, { createGraph: true })` (the recorded rules, gradients kept in the graph),
 * and a Hessian-vector product in all four parameters (a createGraph gradient, ⟨g, v⟩, its gradient). The
 * plain case is the first-order path as a training loop runs it, so a change that slows it shows here.
 */
async function secondOrder(config: NetConfig, batch: Minibatch, kernel: string, options: BenchOptions, report: Report): Promise<void> {
  const { x, model, optimizer } = buildNet(config, batch);
  const params = model.parameters();
  // A fixed direction, one entry per parameter value.
  const v = params.map((p, i) => fromData(Float64Array.from({ length: p.size }, (_, k) => Math.sin(k + 7 * i)), p.shape));
  const loss = (): Tensor => softmaxCrossEntropy(model.forward(x), batch.labels);
  const cases: [SecondOrderCase, () => unknown][] = [
    ['forward + backward', () => {
      optimizer.zeroGrad();
      loss().backward();
    }],
    ['forward + backward, createGraph', () => {
      optimizer.zeroGrad();
      loss().backward(undefined, { createGraph: true });
    }],
    ['hvp (all four parameters)', () => {
      const g = gradients(loss(), params, { createGraph: true });
      let dot = sum(mul(g[0]!, v[0]!));
      for (let i = 1; i < g.length; i++) dot = dot.add(sum(mul(g[i]!, v[i]!)));
      return gradients(dot, params);
    }],
  ];
  useKernel(kernel);
  const budget = options.quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 1, minSamples: 5 };
  const timings = await runSuite(
    `second-order-${config.N}x${config.D}x${config.H}x${config.C}`,
    `createGraph and hvp beside the plain backward ${configLabel(config)}`,
    cases.map(([name, fn]) => ({ name, fn })),
    budget,
  );
  optimizer.zeroGrad();
  for (const [name] of cases) {
    const timing = timings.get(name);
    if (timing !== undefined) (report.secondOrder ??= []).push({ config, kernel, case: name, timing });
  }
}

export async function run(options: BenchOptions, report: Report): Promise<void> {
  const defaultKernel = report.defaultKernel;
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
    if (!large) {
      const rows = profile(config, batch, defaultKernel, options.quick ? 10 : 40, 3);
      report.phases.push(...rows);
      const total = rows.reduce((sum, r) => sum + r.seconds, 0);
      console.log(`  profile with ${defaultKernel}: ${(total * 1e3).toFixed(2)} ms/step, ${rows.length} phases (see the summary)`);
      await secondOrder(config, batch, defaultKernel, options, report);
    }
  }
  useKernel(defaultKernel);
}

// `pnpm train`: the course's first real training run. A 2-layer net (hidden ReLU layer, softmax
// cross-entropy, L2 regularization) learns the 3-arm spiral with gradient descent, then the script writes
// the weights (.npy + manifest.json), a loss curve and a decision-boundary picture (SVG) to --out.
//
//   pnpm train                       # defaults in lib/cli.ts, about 2-4 s
//   pnpm train --steps 10000         # the course's full run
//   pnpm train --batch 32 --lr 0.3   # minibatch SGD instead of full-batch GD
import { realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TensorgradError, noGrad, type Tensor } from '@tensorgrad/core';
import { add } from '@tensorgrad/ops';
import { DataLoader, Linear, ReLU, SGD, Sequential, accuracy, l2Regularization, saveWeights, softmaxCrossEntropy, spiral, type Dataset } from '@tensorgrad/nn';
import { POINTS, UsageError, parseOptions, progressReporter, usage, type TrainOptions } from './lib/cli.js';
import { decisionBoundarySvg, lossCurveSvg } from './lib/plots.js';

/** The 2-layer net: Linear(2, hidden) -> ReLU -> Linear(hidden, classes), initialised from `seed`. */
export function twoLayerNet(inputs: number, hidden: number, classes: number, seed: number): Sequential {
  return new Sequential(new Linear(inputs, hidden, { seed: seed + 1 }), new ReLU(), new Linear(hidden, classes, { seed: seed + 2 }));
}

/** Trains on the seeded spiral; the same options give the same numbers. Calls `onStep` after each step. */
export function train(options: TrainOptions, onStep?: (step: number, loss: number, batchAccuracy: number) => void): TrainResult {
  const data = spiral({ seed: options.seed });
  const classes = data.classes;
  const model = twoLayerNet(2, options.hidden, classes, options.seed);
  const weights = [(model.at(0) as Linear).weight, (model.at(2) as Linear).weight];
  const optimizer = new SGD(model.parameters(), { lr: options.lr });
  const n = data.x.shape[0]!;
  const fullBatch = options.batch <= 0 || options.batch >= n;
  const loader = fullBatch ? null : new DataLoader(data.x, data.y, { batchSize: options.batch, shuffle: true, seed: options.seed + 3 });
  let epoch: Iterator<{ x: Tensor; y: Int32Array }> | null = null;
  const nextBatch = (): { x: Tensor; y: Int32Array } => {
    if (loader === null) return data;
    let next = epoch?.next();
    if (next === undefined || next.done) {
      epoch = loader[Symbol.iterator]();
      next = epoch.next();
    }
    return next.value;
  };

  const losses = new Float64Array(options.steps);
  const accuracies = new Float64Array(options.steps);
  const start = performance.now();
  for (let step = 0; step < options.steps; step++) {
    const batch = nextBatch();
    optimizer.zeroGrad();
    const scores = model.forward(batch.x);
    // 0.5·λ·ΣW², the course's convention, so that the regularization gradient is λ·W.
    const loss = add(softmaxCrossEntropy(scores, batch.y), l2Regularization(weights, options.reg / 2));
    loss.backward();
    optimizer.step();
    losses[step] = loss.item();
    accuracies[step] = accuracy(scores, batch.y);
    onStep?.(step, losses[step]!, accuracies[step]!);
  }
  const seconds = (performance.now() - start) / 1000;

  model.eval();
  const [finalDataLoss, finalLoss, trainAccuracy] = noGrad(() => {
    const scores = model.forward(data.x);
    const dataLoss = softmaxCrossEntropy(scores, data.y).item();
    return [dataLoss, dataLoss + l2Regularization(weights, options.reg / 2).item(), accuracy(scores, data.y)];
  });
  return { model, data, losses, accuracies, finalLoss, finalDataLoss, trainAccuracy, correct: Math.round(trainAccuracy * n), seconds };
}

export interface TrainResult {
  model: Sequential;
  data: Dataset;
  /** Total loss (data + regularization) at every step, before that step's update. */
  losses: Float64Array;
  /** Accuracy on the step's batch at every step, before the update. */
  accuracies: Float64Array;
  finalLoss: number;
  finalDataLoss: number;
  trainAccuracy: number;
  correct: number;
  seconds: number;
}

// ---------------------------------------------------------------------------------------------------
// The script: parse the flags, train, write the weights and pictures, report.

async function main(argv: string[]): Promise<number> {
  let options: TrainOptions & { out: string };
  try {
    const parsed = parseOptions(argv);
    if (parsed === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n\n${usage}`);
    return 2;
  }

  // A batch larger than the dataset is one batch of every point, as PyTorch's DataLoader gives it: clamp,
  // and say so rather than print a batch size that never happens.
  let batchText = options.batch === 0 ? 'full batch' : `batch ${options.batch}`;
  if (options.batch > POINTS) {
    batchText = `batch ${POINTS} (--batch ${options.batch} clamped to the ${POINTS} points: full batch)`;
    options = { ...options, batch: POINTS };
  }
  console.log(`2-layer net on the spiral (${POINTS} points, 3 classes): hidden ${options.hidden}, lr ${options.lr}, reg ${options.reg}, ${options.steps} steps, ${batchText}, seed ${options.seed}`);
  const result = train(options, progressReporter(options.steps));
  const n = result.data.y.length;

  const weightsDir = join(options.out, 'weights');
  const lossPath = join(options.out, 'loss.svg');
  const boundaryPath = join(options.out, 'decision-boundary.svg');
  const metadata = { model: 'Linear(2, hidden) -> ReLU -> Linear(hidden, 3)', ...options, finalLoss: result.finalLoss, trainAccuracy: result.trainAccuracy };
  let written: string[];
  try {
    written = await saveWeights(result.model, weightsDir, { metadata });
    await mkdir(options.out, { recursive: true });
    await writeFile(lossPath, lossCurveSvg(result.losses, result.accuracies, `Training loss (hidden ${options.hidden}, lr ${options.lr}, reg ${options.reg}, ${batchText})`, options.batch !== 0 && options.batch < n));
    await writeFile(boundaryPath, decisionBoundarySvg(result.model, result.data, `Decision boundary: ${(result.trainAccuracy * 100).toFixed(2)}% training accuracy`));
  } catch (error) {
    // A bad --out (a file, no permission): say so plainly.
    if (typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    process.stderr.write(`error: cannot write the results under --out ${options.out}: ${(error as Error).message}\n`);
    return 1;
  }

  const show = (p: string): string => {
    const r = relative(process.cwd(), p);
    return r === '' || r.startsWith('..') || isAbsolute(r) ? resolve(p) : r;
  };
  console.log(`final loss      ${result.finalLoss.toFixed(6)} (data ${result.finalDataLoss.toFixed(6)} + reg ${(result.finalLoss - result.finalDataLoss).toFixed(6)})`);
  console.log(`train accuracy  ${(result.trainAccuracy * 100).toFixed(2)}% (${result.correct}/${n})`);
  console.log(`time            ${result.seconds.toFixed(2)} s (${((result.seconds * 1000) / options.steps).toFixed(3)} ms/step)`);
  console.log('wrote');
  console.log(`  weights        ${show(written[0]!)} + ${written.length - 1} .npy files`);
  console.log(`  loss curve     ${show(lossPath)}`);
  console.log(`  decision map   ${show(boundaryPath)}`);
  return 0;
}

const invokedDirectly = ((): boolean => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Library errors carry a message naming the op; a stack trace would only bury it.
      if (error instanceof TensorgradError) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = 1;
      } else throw error;
    },
  );
}

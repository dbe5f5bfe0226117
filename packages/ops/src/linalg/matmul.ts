import { Tensor, ShapeError, broadcastShapes, checkSize, defineOp, formatShape, fromData, record, sizeOf, viewOf } from '@tensorgrad/core';
import { gemmKernel, productStorage } from '../kernels/backend.js';
import { broadcastStrides, unbroadcast } from '../broadcast.js';
import { reshape } from '../shape/reshape.js';
import { transpose } from '../shape/transpose.js';
import { asTensor } from '../util.js';

/** Batched product of >= 2-d tensors whose batch dims broadcast; operands read through their strides. */
function batchedProduct(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const n = b.shape[b.ndim - 1]!;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = batchShape(a, b, aBatch, bBatch);
  const count = sizeOf(batch);
  checkSize('matmul', [...batch, m, n]);
  const kernel = gemmKernel();
  const c = productStorage(count * m * n);
  const aRs = a.nd.stride[a.ndim - 2]!;
  const aCs = a.nd.stride[a.ndim - 1]!;
  const bRs = b.nd.stride[b.ndim - 2]!;
  const bCs = b.nd.stride[b.ndim - 1]!;
  // Batch offsets: the view's own strides along real batch axes, 0 along broadcast ones.
  const aStrides = batchStrides(a, batch);
  const bStrides = batchStrides(b, batch);
  if (count > 1 && foldsIntoRows(batch, aStrides, bStrides, m * aRs)) {
    // A batch of rows times one shared matrix (x·W for x [..., m, k]): one tall product, no batch loop.
    kernel.gemm(count * m, n, k, a.nd.data, a.nd.offset, aRs, aCs, b.nd.data, b.nd.offset, bRs, bCs, c, 0, false);
    return fromData(c, [...batch, m, n]);
  }
  const index = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < count; t++) {
    let ao = a.nd.offset;
    let bo = b.nd.offset;
    for (let d = 0; d < batch.length; d++) {
      ao += index[d]! * aStrides[d]!;
      bo += index[d]! * bStrides[d]!;
    }
    kernel.gemm(m, n, k, a.nd.data, ao, aRs, aCs, b.nd.data, bo, bRs, bCs, c, t * m * n, false);
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++index[d]! < batch[d]!) break;
      index[d] = 0;
    }
  }
  return fromData(c, [...batch, m, n]);
}

/** The broadcast batch dims, or an error that shows the operands' full shapes, not only their batch dims. */
function batchShape(a: Tensor, b: Tensor, aBatch: readonly number[], bBatch: readonly number[]): number[] {
  try {
    return broadcastShapes('matmul', aBatch, bBatch);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new ShapeError('matmul', `batch dims ${formatShape(aBatch)} of a ${formatShape(a.shape)} and ${formatShape(bBatch)} of b ${formatShape(b.shape)} cannot be broadcast together`);
  }
}

/**
 * True when B is the same matrix for every batch entry and A's batch entries follow one another at
 * its row stride, so that [..., m, k] reads as one [count·m, k] matrix.
 */
function foldsIntoRows(batch: readonly number[], aStrides: readonly number[], bStrides: readonly number[], rowsStride: number): boolean {
  if (bStrides.some((s, d) => s !== 0 && batch[d]! > 1)) return false;
  let expected = rowsStride;
  for (let d = batch.length - 1; d >= 0; d--) {
    if (batch[d] === 1) continue;
    if (aStrides[d] !== expected) return false;
    expected *= batch[d]!;
  }
  return true;
}

/** Whether the last two axes are stored column-major (as a transposed view of a row-major matrix). */
function columnMajor(x: Tensor): boolean {
  const st = x.nd.stride;
  return x.shape[x.ndim - 2]! > 1 && x.shape[x.ndim - 1]! > 1 && st[x.ndim - 2] === 1 && st[x.ndim - 1] !== 1;
}

/** reshape, except that a gradient already of the right shape is kept as it is (reshape would copy a view). */
function toShape(g: Tensor, shape: readonly number[]): Tensor {
  return g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i]) ? g : reshape(g, shape);
}

function batchStrides(x: Tensor, batch: readonly number[]): number[] {
  const own = x.shape.slice(0, -2);
  const zeroed = broadcastStrides(own, batch); // 0 where broadcast, contiguous strides elsewhere
  const lead = batch.length - own.length;
  return zeroed.map((s, i) => (s === 0 ? 0 : x.nd.stride[i - lead]!));
}

/**
 * Matrix product with NumPy's rules: matrix·matrix, matrix·vector, vector·matrix, vector·vector, and
 * batched [..., m, k]·[..., k, n] with broadcast batch dims.
 */
export const matmul = defineOp('matmul', (a: Tensor, b: Tensor): Tensor => {
  a = asTensor(a, 'matmul');
  b = asTensor(b, 'matmul');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError('matmul', `operands must have at least one dimension, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const ka = a.shape[a.ndim - 1]!;
  const kb = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  if (ka !== kb) {
    throw new ShapeError('matmul', `shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned: ${ka} (last dim of a) != ${kb} (${b.ndim === 1 ? 'dim 0' : 'second-to-last dim'} of b)`);
  }
  // Vectors become 1-row / 1-column matrices (views), and the extra axis is dropped from the result.
  const a2 = a.ndim === 1 ? viewOf(a, [1, ka], [0, a.nd.stride[0]!]) : a;
  const b2 = b.ndim === 1 ? viewOf(b, [kb, 1], [b.nd.stride[0]!, 0]) : b;
  const full = batchedProduct(a2, b2);
  let shape = full.shape.slice();
  if (b.ndim === 1) shape.splice(shape.length - 1, 1);
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  const y = fromData(full.data, shape);
  return record(
    'matmul',
    [a, b],
    y,
    (dy) => {
      const dC = fromData(dy.data, full.shape);
      // dA = dC·Bᵀ and dB = Aᵀ·dC, transposes as stride views, summed back over broadcast batch dims.
      // An operand stored column-major (typically Wᵀ, a transposed view of a weight) gets its gradient
      // in the same layout, computed as (dB)ᵀ = dCᵀ·A: the weight then receives a contiguous gradient
      // instead of a transposed view that every later reader would have to copy.
      let da: Tensor | null = null;
      let db: Tensor | null = null;
      if (a.requiresGrad) {
        const g = columnMajor(a2) ? transpose(matmul(b2, transpose(dC))) : matmul(dC, transpose(b2));
        da = toShape(unbroadcast(g, a2.shape), a.shape);
      }
      if (b.requiresGrad) {
        const g = columnMajor(b2) ? transpose(matmul(transpose(dC), a2)) : matmul(transpose(a2), dC);
        db = toShape(unbroadcast(g, b2.shape), b.shape);
      }
      return [da, db];
    },
    [a, b],
    (dy) => {
      // The same products with recorded ops; a vector operand becomes a matrix through reshape (viewOf
      // would leave the graph).
      const ar = a.ndim === 1 ? reshape(a, [1, ka]) : a;
      const br = b.ndim === 1 ? reshape(b, [kb, 1]) : b;
      const dC = reshape(dy, full.shape);
      return [
        a.requiresGrad ? toShape(unbroadcast(matmul(dC, transpose(br)), ar.shape), a.shape) : null,
        b.requiresGrad ? toShape(unbroadcast(matmul(transpose(ar), dC), br.shape), b.shape) : null,
      ];
    },
  );
});


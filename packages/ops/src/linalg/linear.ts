import { PendingGradient, ShapeError, checkSize, defineOp, formatShape, fromData, record, sizeOf, type Tensor } from '@tensorgrad/core';
import { gemmKernel, productStorage } from '../kernels/backend.js';
import { storageLike } from '../kernels/arena.js';
import { asTensor } from '../util.js';
import { matmul } from './matmul.js';
import { sum } from '../reduce/sum.js';
import { reshape } from '../shape/reshape.js';
import { transpose } from '../shape/transpose.js';

/** How an operand is read: storage, offset, row stride, column stride. */
interface Operand {
  data: Float64Array;
  off: number;
  rs: number;
  cs: number;
}

/**
 * x as a [rows, in] matrix: read through its strides when it is 1-d or 2-d, else through its row-major
 * values (the storage itself when contiguous).
 */
function asRows(x: Tensor, inFeatures: number): Operand {
  if (x.ndim === 1) return { data: x.nd.data, off: x.nd.offset, rs: 0, cs: x.nd.stride[0]! };
  if (x.ndim === 2) return { data: x.nd.data, off: x.nd.offset, rs: x.nd.stride[0]!, cs: x.nd.stride[1]! };
  return { data: x.data, off: 0, rs: inFeatures, cs: 1 };
}

/**
 * y = x·Wᵀ + b with PyTorch's conventions (torch.nn.functional.linear): x is [..., in], W is [out, in],
 * the optional b is [out], y is [..., out].
 *
 * One op instead of matmul(x, transpose(W)) + b because the bias is the initial value of the product's
 * accumulator (no second pass over y and no second [rows, out] array), and the backward skips the
 * broadcast-reduce machinery: db is the column sum of dy, dx = dy·W and dW = dyᵀ·x are two kernel calls
 * reading dyᵀ and x through strides.
 */
export const linear = defineOp('linear', (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => {
  x = asTensor(x, 'linear');
  weight = asTensor(weight, 'linear');
  if (weight.ndim !== 2) throw new ShapeError('linear', `weight must be [out, in], got ${formatShape(weight.shape)}`);
  const [outF, inF] = weight.shape as [number, number];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError('linear', `input ${formatShape(x.shape)} does not end in weight's in-features ${inF} (weight ${formatShape(weight.shape)})`);
  }
  const b = bias === undefined || bias === null ? null : asTensor(bias, 'linear');
  if (b !== null && (b.ndim !== 1 || b.shape[0] !== outF)) {
    throw new ShapeError('linear', `bias must be [${outF}] for weight ${formatShape(weight.shape)}, got ${formatShape(b.shape)}`);
  }
  const lead = x.shape.slice(0, -1);
  const rows = sizeOf(lead);
  checkSize('linear', [...lead, outF]);
  checkSize('linear', x.shape); // read row-major when it has more than 2 dimensions
  const X = asRows(x, inF);
  const w = weight.nd;
  const y = productStorage(rows * outF);
  if (b !== null) {
    const bd = b.nd.data;
    const bo = b.nd.offset;
    const bs = b.nd.stride[0]!;
    for (let r = 0; r < rows; r++) for (let j = 0; j < outF; j++) y[r * outF + j] = bd[bo + j * bs]!;
  }
  // Wᵀ through strides: element (p, j) of Wᵀ is W[j, p]. The token names x's present values: the
  // backward's dW = dyᵀ·x passes it again (x is unchanged by then: the engine's version check), so a
  // kernel that keeps operands in memory of its own copies x once per step (see GemmHints).
  const xToken = {};
  gemmKernel().gemm(rows, outF, inF, X.data, X.off, X.rs, X.cs, w.data, w.offset, w.stride[1]!, w.stride[0]!, y, 0, b !== null, { aToken: xToken });
  const inputs = b === null ? [x, weight] : [x, weight, b];
  return record(
    'linear',
    inputs,
    fromData(y, [...lead, outF]),
    (dyT) => {
      const dy = dyT.data; // [rows, out] row-major
      const kernel = gemmKernel();
      let dx: Tensor | null = null;
      let dW: PendingGradient | null = null;
      let db: Tensor | null = null;
      if (x.requiresGrad) {
        // dx = dy · W: [rows, out]·[out, in].
        const g = productStorage(rows * inF);
        kernel.gemm(rows, inF, outF, dy, 0, outF, 1, w.data, w.offset, w.stride[0]!, w.stride[1]!, g, 0, false);
        dx = fromData(g, x.shape);
      }
      if (weight.requiresGrad) {
        // dW = dyᵀ · x: [out, rows]·[rows, in], dyᵀ read through swapped strides. x is re-read (not
        // copied at forward time): the engine's version check guarantees it is unchanged. Pending: a
        // backward into a weight whose .grad is kept (zeroGrad({ setToNone: false })) has the kernel
        // add the product straight into it, and a step allocates no [out, in] array.
        const Xb = asRows(x, inF);
        dW = new PendingGradient(
          weight.shape,
          (out, offset, accumulate) => {
            gemmKernel().gemm(outF, inF, rows, dy, 0, 1, outF, Xb.data, Xb.off, Xb.rs, Xb.cs, out, offset, accumulate, { bToken: xToken });
          },
          [dy, Xb.data],
          (length) => storageLike(w.data, length), // a weight in the kernel's memory gets its gradient there too
        );
      }
      if (b !== null && b.requiresGrad) {
        const g = new Float64Array(outF);
        for (let r = 0; r < rows; r++) {
          const o = r * outF;
          for (let j = 0; j < outF; j++) g[j] += dy[o + j]!;
        }
        db = fromData(g, b.shape);
      }
      return b === null ? [dx, dW] : [dx, dW, db];
    },
    inputs,
    (dy) => {
      // dx = dy·W, dW = dyᵀ·x, db = Σ dy over rows, as recorded ops on [rows, ·] views.
      const dy2 = reshape(dy, [rows, outF]);
      return [
        x.requiresGrad ? reshape(matmul(dy2, weight), x.shape) : null,
        weight.requiresGrad ? matmul(transpose(dy2), reshape(x, [rows, inF])) : null,
        ...(b === null ? [] : [b.requiresGrad ? sum(dy2, 0) : null]),
      ];
    },
  );
});

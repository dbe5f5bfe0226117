/**
 * How each op is drawn and explained: the symbol in its gate, whether it is elementwise (so its local
 * gradient is a tensor of the input's shape that multiplies the upstream gradient), and the local gradient
 * as the lecture writes it. An op missing here still works: it is drawn with its name and explained as a
 * vector-Jacobian product.
 */
export interface GateInfo {
  /** Text inside the gate's circle. */
  symbol: string;
  /** Written between the operands when a constant is folded into the gate (`+1`, `×-1`). */
  infix?: boolean;
  /** Same-shaped inputs and output, output[i] depends only on inputs[...][i]: the local gradient is diagonal. */
  elementwise?: boolean;
  /** The local gradient of each input, in the lecture's notation (x, y for the inputs, out for the result). */
  local?: readonly string[];
  /**
   * For ops whose local gradient is not a diagonal (matmul, shape ops): how the downstream gradient is
   * made from the upstream one, with `dy` for the upstream gradient and `$0`, `$1` for the inputs' names.
   */
  rule?: readonly string[];
}

const GATES: Record<string, GateInfo> = {
  // Binary elementwise: the gradient patterns of the lecture (add distributes, mul switches, max routes).
  add: { symbol: '+', infix: true, elementwise: true, local: ['1', '1'] },
  sub: { symbol: '−', infix: true, elementwise: true, local: ['1', '-1'] },
  mul: { symbol: '×', infix: true, elementwise: true, local: ['$1', '$0'] },
  div: { symbol: '÷', infix: true, elementwise: true, local: ['1/$1', '-$0/$1²'] },
  maximum: { symbol: 'max', elementwise: true, local: ['1 if $0 > $1, 0 if less, ½ at a tie', '1 if $1 > $0, 0 if less, ½ at a tie'] },
  minimum: { symbol: 'min', elementwise: true, local: ['1 if $0 < $1, 0 if more, ½ at a tie', '1 if $1 < $0, 0 if more, ½ at a tie'] },
  // Unary elementwise.
  neg: { symbol: '×-1', elementwise: true, local: ['-1'] },
  exp: { symbol: 'exp', elementwise: true, local: ['exp($0)'] },
  log: { symbol: 'log', elementwise: true, local: ['1/$0'] },
  sqrt: { symbol: '√', elementwise: true, local: ['1/(2√$0)'] },
  abs: { symbol: '|x|', elementwise: true, local: ['sign($0)'] },
  square: { symbol: 'x²', elementwise: true, local: ['2$0'] },
  pow: { symbol: 'pow', elementwise: true, local: ['p·$0^(p-1)'] },
  reciprocal: { symbol: '1/x', elementwise: true, local: ['-1/$0²'] },
  sigmoid: { symbol: 'σ', elementwise: true, local: ['(1-σ)σ'] },
  tanh: { symbol: 'tanh', elementwise: true, local: ['1-tanh²'] },
  relu: { symbol: 'relu', elementwise: true, local: ['1 if $0 > 0 else 0'] },
  // Reductions: their local gradient is shaped like the input when the output is a scalar.
  sum: { symbol: 'Σ', local: ['1'], rule: ['dy broadcast back'] },
  mean: { symbol: 'mean', local: ['1/n'], rule: ['dy/n broadcast back'] },
  max: { symbol: 'max', local: ['1 at the max else 0'], rule: ['dy routed to the max'] },
  min: { symbol: 'min', local: ['1 at the min else 0'], rule: ['dy routed to the min'] },
  l2: { symbol: '‖·‖²', local: ['2$0'], rule: ['2$0·dy'] },
  norm: { symbol: '‖·‖', local: ['$0/‖$0‖'], rule: ['dy·$0/‖$0‖'] },
  // Linear algebra: no Jacobian, the upstream gradient is multiplied by the other operand, transposed.
  matmul: { symbol: 'matmul', rule: ['dy·$1ᵀ', '$0ᵀ·dy'] },
  softmax: { symbol: 'softmax', rule: ['out⊙(dy - Σ dy⊙out)'] },
  logSoftmax: { symbol: 'logSoftmax', rule: ['dy - softmax·Σdy'] },
  // Shape ops move values around; backward moves the gradient back.
  reshape: { symbol: 'reshape', rule: ['dy reshaped back'] },
  transpose: { symbol: 'ᵀ', rule: ['dy transposed back'] },
  broadcastTo: { symbol: 'broadcast', rule: ['dy summed over the broadcast axes'] },
  expandDims: { symbol: 'expandDims', rule: ['dy squeezed back'] },
  squeeze: { symbol: 'squeeze', rule: ['dy reshaped back'] },
  slice: { symbol: 'slice', rule: ['dy written into zeros'] },
  concat: { symbol: 'concat', rule: ['its part of dy'] },
  stack: { symbol: 'stack', rule: ['its part of dy'] },
  gather: { symbol: 'gather', rule: ['dy scattered back'] },
};

export function gateInfo(op: string): GateInfo {
  return GATES[op] ?? { symbol: op };
}

/** Substitutes the inputs' names for `$0`, `$1` in a formula. */
export function fillNames(formula: string, names: readonly string[]): string {
  return formula.replace(/\$(\d)/g, (_, i: string) => names[Number(i)] ?? `input ${i}`);
}

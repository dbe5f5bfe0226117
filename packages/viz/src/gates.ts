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

/**
 * A registered op that never appears in a graph under its own name: a composite (`mean` is recorded as
 * `sum` and `div`, `stack` as `reshape` and `concat`), or an op outside the graph (`argmax`). Its
 * gates are drawn and explained by the ops it records.
 */
export interface CompositeInfo {
  /** The ops it records instead (empty: it records nothing, it is not differentiable). */
  composite: readonly string[];
}

/**
 * One entry per op of `registeredOps()` (ops and nn), no more: test/viz-gates.test.ts fails when an op is
 * added without an entry, when an entry names no op, or when an op records other names than its entry says.
 */
export const GATES: Readonly<Record<string, GateInfo | CompositeInfo>> = {
  // Binary elementwise: the gradient patterns of the lecture (add distributes, mul switches, max routes).
  add: { symbol: '+', infix: true, elementwise: true, local: ['1', '1'] },
  sub: { symbol: '−', infix: true, elementwise: true, local: ['1', '-1'] },
  mul: { symbol: '×', infix: true, elementwise: true, local: ['$1', '$0'] },
  div: { symbol: '÷', infix: true, elementwise: true, local: ['1/$1', '-$0/$1²'] },
  maximum: { symbol: 'max', elementwise: true, local: ['1 if $0 > $1, 0 if less, ½ at a tie', '1 if $1 > $0, 0 if less, ½ at a tie'] },
  minimum: { composite: ['neg', 'maximum'] },
  // The condition is not an input of the gate: it gets no gradient.
  where: { symbol: 'where', elementwise: true, local: ['1 where the condition holds, else 0', '0 where the condition holds, else 1'] },
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
  sin: { symbol: 'sin', elementwise: true, local: ['cos($0)'] },
  cos: { symbol: 'cos', elementwise: true, local: ['-sin($0)'] },
  clamp: { symbol: 'clamp', elementwise: true, local: ['1 if min ≤ $0 ≤ max else 0'] },
  clone: { symbol: 'clone', elementwise: true, local: ['1'] },
  log1p: { symbol: 'log1p', elementwise: true, local: ['1/(1+$0)'] },
  expm1: { symbol: 'expm1', elementwise: true, local: ['exp($0)'] },
  softplus: { symbol: 'softplus', elementwise: true, local: ['σ(β$0), 1 above the threshold'] },
  logSigmoid: { symbol: 'log σ', elementwise: true, local: ['σ(-$0)'] },
  leakyRelu: { symbol: 'leaky relu', elementwise: true, local: ['1 if $0 > 0 else the slope'] },
  gelu: { symbol: 'gelu', elementwise: true, local: ['Φ($0) + $0·φ($0)'] },
  // Reductions: their local gradient is shaped like the input when the output is a scalar.
  sum: { symbol: 'Σ', local: ['1'], rule: ['dy broadcast back'] },
  max: { symbol: 'max', local: ['1 at the max else 0, 1/k each at a k-way tie'], rule: ['dy routed to the max, split equally at a tie'] },
  logsumexp: { symbol: 'logsumexp', local: ['softmax($0)'], rule: ['dy·softmax($0)'] },
  mean: { composite: ['sum', 'div'] },
  min: { composite: ['neg', 'max'] },
  variance: { composite: ['sub', 'square', 'sum', 'div'] },
  std: { composite: ['sub', 'square', 'sum', 'div', 'sqrt'] },
  argmax: { composite: [] },
  argmin: { composite: [] },
  // Comparisons: masks outside the graph, recorded by nothing (as argmax).
  greater: { composite: [] },
  greaterEqual: { composite: [] },
  less: { composite: [] },
  lessEqual: { composite: [] },
  equal: { composite: [] },
  notEqual: { composite: [] },
  l2: { symbol: '‖·‖²', local: ['2$0'], rule: ['2$0·dy'] },
  norm: { symbol: '‖·‖', local: ['$0/‖$0‖ (ord 2; sign($0) for ord 1)'], rule: ['dy·∂‖$0‖/∂$0'] },
  // Linear algebra: no Jacobian, the upstream gradient is multiplied by the other operand, transposed.
  matmul: { symbol: 'matmul', rule: ['dy·$1ᵀ', '$0ᵀ·dy'] },
  // linear(x, W, b) = x·Wᵀ + b, what nn.Linear records.
  linear: { symbol: 'linear', rule: ['dy·$1', 'dyᵀ·$0', 'dy summed over rows'] },
  softmax: { symbol: 'softmax', rule: ['out⊙(dy - Σ dy⊙out)'] },
  logSoftmax: { symbol: 'logSoftmax', rule: ['dy - softmax·Σdy'] },
  layerNorm: { symbol: 'layerNorm', rule: ['(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))/σ, ĝ = dy·weight', 'Σ dy·x̂ over the leading axes', 'Σ dy over the leading axes'] },
  cumsum: { symbol: 'cumsum', rule: ['dy summed from the end'] },
  // nn's fused losses; dy is divided by the batch size N for the default mean reduction.
  softmaxCrossEntropy: { symbol: 'softmax CE', local: ['(softmax($0) - onehot(y))/N'], rule: ['(softmax($0) - onehot(y))·dy per row'] },
  svmLoss: { symbol: 'SVM loss', local: ['(1 per violated margin, -count at the label)/N'], rule: ['dy per row: 1 per violated margin, -count at the label'] },
  binaryCrossEntropyWithLogits: {
    symbol: 'BCE logits',
    elementwise: true,
    local: ['σ($0) - $1 (times posWeight, weight), /N for the mean', '-$0 (with posWeight: (p - 1)·softplus(-$0) - $0)'],
  },
  mse: { symbol: 'MSE', elementwise: true, local: ['2($0 - $1)/N', '-2($0 - $1)/N'], rule: ['2($0 - $1)·dy/N', '-2($0 - $1)·dy/N'] },
  // Shape ops move values around; backward moves the gradient back.
  reshape: { symbol: 'reshape', rule: ['dy reshaped back'] },
  transpose: { symbol: 'ᵀ', rule: ['dy transposed back'] },
  broadcastTo: { symbol: 'broadcast', rule: ['dy summed over the broadcast axes'] },
  expandDims: { composite: ['reshape'] },
  squeeze: { composite: ['reshape'] },
  flatten: { composite: ['reshape'] },
  slice: { symbol: 'slice', rule: ['dy written into zeros'] },
  concat: { symbol: 'concat', rule: ['its part of dy'] },
  stack: { composite: ['reshape', 'concat'] },
  gather: { symbol: 'gather', rule: ['dy scatter-added back'] },
  take: { symbol: 'take', rule: ['dy scatter-added back'] },
  // nn's Embedding: its one input is the weight table (the indices are not differentiable).
  embedding: { symbol: 'embedding', rule: ['dy scatter-added back into the looked-up rows (none into the padding row)'] },
  permute: { composite: ['transpose'] },
  view: { symbol: 'view', rule: ['dy reshaped back'] },
  flip: { symbol: 'flip', rule: ['dy flipped back'] },
  pad: { symbol: 'pad', rule: ['dy with the padding cropped off (and zeros where x was cropped)'] },
};

/** Whether an entry of GATES is a composite (never recorded under its own name). */
export function isComposite(entry: GateInfo | CompositeInfo): entry is CompositeInfo {
  return 'composite' in entry;
}

/** How a recorded op is drawn; an op without an entry (a custom op) is drawn with its name and explained as a vector-Jacobian product. */
export function gateInfo(op: string): GateInfo {
  const entry = Object.hasOwn(GATES, op) ? GATES[op] : undefined;
  return entry === undefined || isComposite(entry) ? { symbol: op } : entry;
}

/** Substitutes the inputs' names for `$0`, `$1` in a formula. */
export function fillNames(formula: string, names: readonly string[]): string {
  return formula.replace(/\$(\d)/g, (_, i: string) => names[Number(i)] ?? `input ${i}`);
}

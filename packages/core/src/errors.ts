/** Base class of every error tensorgrad throws. `op` names the operation that refused its input. */
export class TensorgradError extends Error {
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = new.target.name;
    this.op = op;
  }
}

/** Shapes that do not fit together: mismatched operands, bad dimensions, axes out of range. */
export class ShapeError extends TensorgradError {}

/** Values an op cannot accept: non-numeric entries, labels out of range, bad hyper-parameters. */
export class ValueError extends TensorgradError {}

/** Misuse of the autograd graph: backward from a non-scalar without a seed, through a released graph. */
export class GraphError extends TensorgradError {}

/** A tensor saved for backward was modified in place after the forward pass that saved it. */
export class InPlaceError extends GraphError {}

/**
 * A second (or higher) derivative was asked through an op whose backward rule is not itself
 * differentiable: it has no rule built from recorded ops (see `record`'s `double`).
 */
export class HigherOrderError extends GraphError {}

/** Anomaly mode found a NaN or an Infinity in an op's output. */
export class AnomalyError extends TensorgradError {}

/**
 * Every copy of tensorgrad marks its Tensor class's prototype under this registered symbol (the same key
 * in every copy) with a value of its own, THIS_COPY. A program that both imports and requires the package
 * (or has two installs of it) loads two copies, each with its own Tensor class: a tensor of one is no
 * Tensor to the other, and the mark lets an error say so instead of 'got object'.
 */
export const TENSOR_BRAND: unique symbol = Symbol.for('tensorgrad.Tensor') as any;
export const THIS_COPY: object = Object.freeze({ copy: 'this copy of @tensorgrad/core' });

/** Whether v is a tensor made by another copy of tensorgrad (see TENSOR_BRAND). */
export function isForeignTensor(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const brand = (v as { [TENSOR_BRAND]?: unknown })[TENSOR_BRAND];
  return brand !== undefined && brand !== THIS_COPY;
}

const FOREIGN_TENSOR =
  'a Tensor from another copy of tensorgrad (this program loads tensorgrad twice, e.g. with both import and require, ' +
  'and each copy has its own Tensor class: load it one way)';

// 'an Object', 'an Int32Array', but 'a Uint8Array' (said 'you-int'): U takes 'a'.
function withArticle(name: string): string {
  return `${/^[AEIOaeio]/.test(name) ? 'an' : 'a'} ${name}`;
}

/**
 * A value as an error message shows it: numbers, booleans, null and undefined as they print, strings
 * quoted (so '1' is not mistaken for 1), bigints with their n, lists as [0, 1], any other object by its
 * class ('a Tensor', 'an Object'), a tensor of another copy of tensorgrad as that.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length <= 8 ? `[${v.map(describeValue).join(', ')}]` : `[${v.slice(0, 8).map(describeValue).join(', ')}, ...] (${v.length} entries)`;
  if (isForeignTensor(v)) return FOREIGN_TENSOR;
  if (typeof v === 'object') return withArticle((v as object).constructor?.name ?? 'object');
  return `a ${typeof v}`;
}

/** A function argument (the f of a transform, the callback of noGrad): a ValueError naming `op` otherwise. */
export function checkFunction(f: unknown, op: string, role = 'f'): void {
  if (typeof f !== 'function') throw new ValueError(op, `expected a function ${role}, got ${describeValue(f)}`);
}

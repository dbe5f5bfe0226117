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

/** Anomaly mode found a NaN or an Infinity in an op's output. */
export class AnomalyError extends TensorgradError {}

import { ShapeError, ValueError } from '@tensorgrad/core';

/**
 * Runs the body of a composite op (one written with other ops) so that a bad argument is reported under
 * the composite's name: a ShapeError or ValueError thrown by an op it calls (`maximum: shapes [2, 3] and
 * [4] ...`) is rethrown as the same class with `op` in front (`minimum: shapes [2, 3] and [4] ...`), as
 * the user called `minimum`, not `maximum`. Other errors (an AnomalyError naming the op that produced a
 * NaN, graph errors) pass through unchanged.
 */
export function withOpName<T>(op: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (!(e instanceof ShapeError || e instanceof ValueError) || e.op === op) throw e;
    const ErrorClass = e.constructor as new (op: string, message: string) => ShapeError | ValueError;
    throw new ErrorClass(op, e.message.slice(e.op.length + 2));
  }
}

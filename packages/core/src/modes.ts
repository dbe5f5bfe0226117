import { GraphError, checkFunction } from './errors.js';

/** The two modes: grad recording (on by default) and anomaly detection (off by default). */
const modes = { 'grad mode': true, 'anomaly mode': false };
type Mode = keyof typeof modes;

export function isGradEnabled(): boolean {
  return modes['grad mode'];
}

export function isAnomalyEnabled(): boolean {
  return modes['anomaly mode'];
}

/**
 * Runs `fn` with `mode` set to `value`, restoring it afterwards (also when `fn` throws).
 *
 * A callback that returned a promise (an async function) cannot be covered by a mode: the mode is
 * restored when the callback returns, so whatever runs after its first `await` runs in the outer mode
 * (`noGrad(async () => { await x; return p.mul(2) })` would record a graph). It is refused loudly
 * rather than let the mode silently not apply (the mode is already restored by then).
 */
function withMode<T>(op: string, mode: Mode, value: boolean, fn: () => T): T {
  checkFunction(fn, op, 'to run');
  const previous = modes[mode];
  modes[mode] = value;
  let result: T;
  try {
    result = fn();
  } finally {
    modes[mode] = previous;
  }
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    const then = (result as { then?: unknown }).then;
    if (typeof then === 'function') {
      // The promise keeps running; swallow its eventual rejection so it does not also surface as an
      // unhandled rejection on top of this error.
      then.call(result, undefined, () => {});
      throw new GraphError(
        op,
        `the callback returned a Promise; ${mode} cannot follow an await — call ${op} inside the async function around the synchronous part`,
      );
    }
  }
  return result;
}

/**
 * Runs `fn` without recording a graph: results do not require grad (parameter updates, evaluation).
 * `fn` must be synchronous: a callback returning a promise is refused with a GraphError, since the mode
 * could not follow its awaits.
 */
export function noGrad<T>(fn: () => T): T {
  return withMode('noGrad', 'grad mode', false, fn);
}

/** Runs `fn` with grad recording on, even inside noGrad. `fn` must be synchronous, as for noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withMode('enableGrad', 'grad mode', true, fn);
}

/**
 * Runs `fn` in anomaly mode: the first op whose output holds a NaN or an Infinity throws an AnomalyError
 * naming the op, its input shapes, and which input already held a non-finite value. `fn` must be
 * synchronous, as for noGrad.
 */
export function detectAnomaly<T>(fn: () => T): T {
  return withMode('detectAnomaly', 'anomaly mode', true, fn);
}

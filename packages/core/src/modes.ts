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
 * Whether `fn` was declared `async` (or `async function*`, or is one bound): calling it runs its body up
 * to the first `await` and returns, so a mode set around the call cannot cover the rest. Read from its
 * tag, which an async function transpiled into a plain one does not carry (its Promise is still caught
 * after the call).
 */
function isAsyncFunction(fn: unknown): boolean {
  const tag = Object.prototype.toString.call(fn);
  return tag === '[object AsyncFunction]' || tag === '[object AsyncGeneratorFunction]';
}

/**
 * Runs `fn` with `mode` set to `value`, restoring it afterwards (also when `fn` throws).
 *
 * A mode cannot follow an `await`: it is restored when the callback returns, so whatever runs after the
 * first `await` would run in the outer mode (`noGrad(async () => { await x; p.mul(2) })` would record a
 * graph, and an optimizer step inside would land a tick later). An async function is therefore refused
 * before it runs, so nothing it would do happens. A plain function that returns a promise is only found
 * out once it has run: it is refused all the same, and its promise is left alone, so a rejection still
 * surfaces as an unhandled rejection (nobody else can await it) instead of vanishing.
 */
function withMode<T>(op: string, mode: Mode, value: boolean, fn: () => T): T {
  checkFunction(fn, op, 'to run');
  if (isAsyncFunction(fn)) {
    throw new GraphError(
      op,
      `the callback is an async function, refused before it runs: ${mode} cannot follow an await — call ${op} inside the async function around the synchronous part`,
    );
  }
  const previous = modes[mode];
  modes[mode] = value;
  let result: T;
  try {
    result = fn();
  } finally {
    modes[mode] = previous;
  }
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    if (typeof (result as { then?: unknown }).then === 'function') {
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
 * `fn` must be synchronous: an async function is refused with a GraphError before it runs, and a
 * callback that returns a promise with a GraphError once it has, since the mode could not follow its awaits.
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

/** The scopes currently running, innermost last (see withScope). */
const scopes: unknown[] = [];

/** The innermost scope `withScope` is running, or null: what `record` stores on each node. */
export function currentScope(): unknown {
  return scopes.length === 0 ? null : scopes[scopes.length - 1];
}

/** The scope each object scope was first entered from (a submodule's parent module). */
const parents = new WeakMap<object, unknown>();

/** The scope `scope` was first entered from (see withScope), or null. */
export function scopeParent(scope: unknown): unknown {
  return typeof scope === 'object' && scope !== null ? (parents.get(scope) ?? null) : null;
}

/**
 * Runs `fn` with `scope` as the current scope: every op recorded meanwhile remembers it (an nn Module's
 * forward runs its body so, and `savedMemory` totals what backward keeps alive per module, a module's
 * total including its submodules'). Any value can be a scope; scopes nest, the innermost wins.
 */
export function withScope<T>(scope: unknown, fn: () => T): T {
  const outer = currentScope();
  if (outer !== null && outer !== scope && typeof scope === 'object' && scope !== null && !parents.has(scope)) parents.set(scope, outer);
  scopes.push(scope);
  try {
    return fn();
  } finally {
    scopes.pop();
  }
}

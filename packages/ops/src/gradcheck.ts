import { Random, Tensor, TensorgradError, ValueError, checkOptions, describeValue, formatShape, fromData, noGrad, type OptionSpec } from '@tensorgrad/core';
import { vjpNamed } from './transforms.js';
import { checkFunction } from './util.js';
import { unravel } from './testing.js';

const GRADCHECK_OPTIONS: OptionSpec = { eps: 'any', atol: 'any', rtol: 'any', maxEntries: 'any', directions: 'any', seed: 'any', wrt: 'any', raise: 'boolean' };

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6, as PyTorch's gradcheck). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3): an entry passes when |analytic - numeric| <= atol + rtol·|numeric|. */
  rtol?: number;
  /** Inputs with at most this many entries are checked entry by entry (default 100). */
  maxEntries?: number;
  /** Random directions checked for each larger input (default 8). */
  directions?: number;
  /** Seed of the random cotangent and directions (default 0), so that a check is reproducible. */
  seed?: number;
  /**
   * Indices of the inputs to check. Default, as PyTorch: the inputs with `requiresGrad`; when none has
   * it, all of them (a list of plain tensors is checked whole).
   */
  wrt?: readonly number[];
  /**
   * Throw a `GradcheckError` naming the input and the worst entry when the check fails (PyTorch's
   * default), instead of returning `{ ok: false }`. Default false.
   */
  raise?: boolean;
}

/** An input that was not checked, and why. */
export interface GradcheckSkipped {
  /** Index of the input in `inputs`. */
  input: number;
  /** The input tensor's name, if it has one. */
  name: string | undefined;
  reason: string;
}

/** Where the largest discrepancy was found. */
export interface GradcheckWorst {
  /** Index of the input in `inputs`. */
  input: number;
  /** The input tensor's name, if it has one. */
  name: string | undefined;
  /** Flat (row-major) index of the entry, or null when a random direction was checked. */
  index: number | null;
  /** Index of the random direction, or null when an entry was checked. */
  direction: number | null;
  analytic: number;
  numeric: number;
  absError: number;
  relError: number;
}

export interface GradcheckResult {
  /** Every compared entry or direction within atol + rtol·|numeric|. */
  ok: boolean;
  /** Largest |analytic - numeric|. */
  maxAbsError: number;
  /** Largest |analytic - numeric| / max(|analytic|, |numeric|) (0 where both are 0). */
  maxRelError: number;
  /** The check closest to failing (largest error relative to its tolerance); null if nothing was checked. */
  worst: GradcheckWorst | null;
  /** How many entries or directions were compared. */
  checked: number;
  /** How many of them were outside atol + rtol·|numeric|. */
  failed: number;
  /** The inputs not checked (held fixed): without requiresGrad while others have it, or not in `wrt`. */
  skipped: GradcheckSkipped[];
}

/** A failed `gradcheck(..., { raise: true })`: the message names the input and the worst entry. */
export class GradcheckError extends TensorgradError {
  /** What `gradcheck` would have returned. */
  readonly result: GradcheckResult;
  constructor(message: string, result: GradcheckResult) {
    super('gradcheck', message);
    this.result = result;
  }
}

/**
 * Compares the analytic gradient of `f` at `inputs` with float64 centered differences
 * (f(x + h) - f(x - h)) / 2h. A non-scalar output is reduced to Σ v·f(x) with a fixed random cotangent
 * v, so the check covers the full vector-Jacobian product. Inputs with at most `maxEntries` entries are
 * checked entry by entry; larger ones along `directions` random unit directions u, comparing ∇·u with
 * the directional difference — the same cost for a 10-element or a 10-million-element input.
 *
 * Tolerances (PyTorch's defaults): eps = 1e-6, atol = 1e-5, rtol = 1e-3. The centered difference has a
 * truncation error of order eps²·f''' and a rounding error of order 1e-16·|f|/eps ≈ 1e-10·|f|, so for
 * well-scaled functions the errors sit far below atol; a wrong rule typically misses by O(1).
 * Do not evaluate at a kink (relu at 0, max at a tie): the difference straddles it.
 *
 * Which inputs: as PyTorch, those with `requiresGrad` (the others, integer labels say, are held fixed
 * and listed in `skipped`); when no input requires grad, all of them; `wrt` names them explicitly.
 */
export function gradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  // A misspelt option ({ atoll: 1 }) is refused, not ignored: the check would silently run at the default.
  // Numbers are 'any' here because their ranges are checked below, with messages of their own.
  // null stays refused (checkOptions reads it as the defaults), as it always was here.
  if (options === null) throw new ValueError('gradcheck', 'options must be an object such as { atol: 1e-6 }, got null');
  options = checkOptions('gradcheck', options, GRADCHECK_OPTIONS, '{ atol: 1e-6 }');
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const maxEntries = options.maxEntries ?? 100;
  const directions = options.directions ?? 8;
  for (const [key, value] of Object.entries({ eps, atol, rtol, maxEntries, directions })) {
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value) || (key === 'eps' && value === 0)) {
      throw new ValueError('gradcheck', `${key} must be a finite ${key === 'eps' ? 'positive' : 'non-negative'} number, got ${String(value)}`);
    }
  }
  const random = new Random(options.seed ?? 0);
  checkFunction(f, 'gradcheck');
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) {
    throw new ValueError('gradcheck', 'inputs must be a list of Tensors (f is called as f(...inputs))');
  }
  const anyRequiresGrad = inputs.some((t) => t.requiresGrad);
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (t.requiresGrad || !anyRequiresGrad ? [i] : []));
  if (!Array.isArray(wrt)) throw new ValueError('gradcheck', `wrt must be a list of input indices, got ${describeValue(wrt)}`);
  for (const i of wrt) {
    if (!(inputs[i] instanceof Tensor)) throw new ValueError('gradcheck', `wrt names input ${String(i)}, but there ${inputs.length === 1 ? 'is 1 input' : `are ${inputs.length} inputs`}`);
  }
  // A vacuous pass would hide a check that never ran.
  if (wrt.length === 0) throw new ValueError('gradcheck', 'wrt is empty: there is nothing to check');
  const skipped: GradcheckSkipped[] = inputs.flatMap((t, i) =>
    wrt.includes(i) ? [] : [{ input: i, name: t.name, reason: options.wrt !== undefined ? 'not in wrt' : 'does not require grad (other inputs do)' }],
  );
  // Private float64 copies: the check never touches the caller's tensors or their gradients.
  const base = inputs.map((t) => fromData(t.data.slice(), t.shape, { name: t.name }));
  const [out, pullback] = vjpNamed('gradcheck', f, base);
  const v = new Float64Array(out.size);
  if (out.size === 1) v[0] = 1;
  else for (let i = 0; i < v.length; i++) v[i] = random.normal();
  const analytic = pullback(fromData(v, out.shape));

  // The scalar Σ v·f evaluated at the inputs with input `which` replaced by `values`.
  const probe = (which: number, values: Float64Array): number =>
    noGrad(() => {
      const args = base.map((t, i) => (i === which ? fromData(values, t.shape) : t));
      let y: Tensor;
      try {
        y = f(...args);
      } catch (error) {
        // Typically integer labels moved to 2.000001: an input f is not differentiable in.
        const refusal = new ValueError('gradcheck', `f throws when ${describeInput(inputs, which)} is moved by ±eps (${error instanceof Error ? error.message : String(error)}): it cannot be checked; give requiresGrad: true to the inputs to check (the others are held fixed, as PyTorch's gradcheck does), or pass wrt`);
        (refusal as Error & { cause?: unknown }).cause = error;
        throw refusal;
      }
      if (y.size !== out.size) throw new ValueError('gradcheck', `f returned shape ${formatShape(y.shape)} on a perturbed input, ${formatShape(out.shape)} before`);
      const d = y.data;
      let s = 0;
      for (let k = 0; k < d.length; k++) s += v[k]! * d[k]!;
      return s;
    });

  let maxAbsError = 0;
  let maxRelError = 0;
  let worst: GradcheckWorst | null = null;
  let worstRatio = -1;
  let ok = true;
  let checked = 0;
  let failed = 0;
  const compare = (input: number, index: number | null, direction: number | null, a: number, n: number): void => {
    const absError = Math.abs(a - n);
    const scale = Math.max(Math.abs(a), Math.abs(n));
    const relError = absError === 0 ? 0 : absError / scale;
    const tolerance = atol + rtol * Math.abs(n);
    const ratio = Number.isNaN(absError) ? Infinity : absError / tolerance;
    checked++;
    if (!(absError <= tolerance)) {
      ok = false;
      failed++;
    }
    if (!(absError <= maxAbsError)) maxAbsError = Number.isNaN(absError) ? NaN : Math.max(maxAbsError, absError);
    if (!(relError <= maxRelError)) maxRelError = Number.isNaN(relError) ? NaN : Math.max(maxRelError, relError);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = { input, name: inputs[input]!.name, index, direction, analytic: a, numeric: n, absError, relError };
    }
  };

  for (const i of wrt) {
    const x = base[i]!.data;
    const g = analytic[i]!.data;
    const values = x.slice();
    if (x.length <= maxEntries) {
      for (let j = 0; j < x.length; j++) {
        values[j] = x[j]! + eps;
        const plus = probe(i, values);
        values[j] = x[j]! - eps;
        const minus = probe(i, values);
        values[j] = x[j]!;
        compare(i, j, null, g[j]!, (plus - minus) / (2 * eps));
      }
    } else {
      const u = new Float64Array(x.length);
      for (let d = 0; d < directions; d++) {
        let norm = 0;
        for (let j = 0; j < u.length; j++) {
          u[j] = random.normal();
          norm += u[j]! * u[j]!;
        }
        norm = Math.sqrt(norm);
        let a = 0;
        for (let j = 0; j < u.length; j++) {
          u[j] = u[j]! / norm;
          a += g[j]! * u[j]!;
        }
        for (let j = 0; j < u.length; j++) values[j] = x[j]! + eps * u[j]!;
        const plus = probe(i, values);
        for (let j = 0; j < u.length; j++) values[j] = x[j]! - eps * u[j]!;
        const minus = probe(i, values);
        compare(i, null, d, a, (plus - minus) / (2 * eps));
      }
    }
  }
  const result: GradcheckResult = { ok, maxAbsError, maxRelError, worst, checked, failed, skipped };
  if (!ok && options.raise) throw new GradcheckError(mismatchMessage(result, inputs, { eps, atol, rtol, seed: options.seed ?? 0, directions }), result);
  return result;
}

/** "input 1 'labels' of shape [4]" */
function describeInput(inputs: readonly Tensor[], i: number): string {
  const t = inputs[i]!;
  return `input ${i}${t.name ? ` '${t.name}'` : ''} of shape ${formatShape(t.shape)}`;
}

/**
 * What a failed check says (PyTorch's gradcheck raises "Jacobian mismatch for output 0 with respect to
 * input 0"): the input, the worst entry as a multi-index, both values and the tolerance it missed.
 */
function mismatchMessage(
  result: GradcheckResult,
  inputs: readonly Tensor[],
  settings: { eps: number; atol: number; rtol: number; seed: number; directions: number },
): string {
  const worst = result.worst!;
  const { atol, rtol } = settings;
  const tolerance = atol + rtol * Math.abs(worst.numeric);
  const where =
    worst.index !== null
      ? `at index ${indexTuple(unravel(worst.index, inputs[worst.input]!.shape))}`
      : `along random direction ${worst.direction} (seed ${settings.seed}; inputs over maxEntries are checked along ${settings.directions} directions)`;
  return (
    `gradient mismatch for ${describeInput(inputs, worst.input)} ${where}: analytic ${show(worst.analytic)}, numeric ${show(worst.numeric)} ` +
    `(|difference| ${show(worst.absError)} > atol + rtol·|numeric| = ${show(tolerance)}; atol ${atol}, rtol ${rtol}, eps ${settings.eps}). ` +
    `${result.failed} of ${result.checked} checks outside the tolerance; ` +
    `greatest absolute difference ${show(result.maxAbsError)}, greatest relative difference ${show(result.maxRelError)}`
  );
}

/** Six significant digits (the exact numbers are in the error's `result`). */
function show(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** An index as PyTorch prints a tuple, as assertClose does: (2,) for one axis, (1, 2) for two. */
function indexTuple(index: readonly number[]): string {
  return index.length === 1 ? `(${index[0]},)` : `(${index.join(', ')})`;
}

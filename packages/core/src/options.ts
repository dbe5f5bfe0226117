import { ValueError, describeValue } from './errors.js';

/**
 * What an option holds. Flags are type-checked here ('yes' is not true); numbers and the rest are
 * checked by the op itself, which knows their range ('any' skips the type check for that reason).
 */
export type OptionKind = 'boolean' | 'string' | 'number' | 'function' | 'any';

/** The options an op takes, by name. */
export type OptionSpec = Readonly<Record<string, OptionKind>>;

/** Spellings from other libraries that no edit distance would connect to ours. */
const SYNONYMS: Readonly<Record<string, string>> = {
  learningrate: 'lr',
  lrate: 'lr',
  stepsize: 'lr',
  requiregrad: 'requiresGrad',
  gradient: 'requiresGrad',
  grad: 'requiresGrad',
  usebias: 'bias',
  randomseed: 'seed',
  rng: 'seed',
  beta: 'betas',
  epsilon: 'eps',
  decay: 'weightDecay',
  l2: 'weightDecay',
  batch: 'batchSize',
  size: 'batchSize',
  droplastbatch: 'dropLast',
  keepdim: 'keepDims',
  keepdims: 'keepDims',
};

const normalize = (key: string): string => key.toLowerCase().replace(/[_\-\s]/g, '');

/** Levenshtein distance (small strings only: option names). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The known option `key` was most likely meant as, or undefined when none is close. */
export function closestOption(key: string, known: readonly string[]): string | undefined {
  const k = normalize(key);
  const exact = known.find((name) => normalize(name) === k);
  if (exact !== undefined) return exact;
  const synonym = SYNONYMS[k];
  if (synonym !== undefined && known.includes(synonym)) return synonym;
  // A shortened name ('meta' for 'metadata').
  const prefixed = known.filter((name) => k.length >= 3 && normalize(name).startsWith(k));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = editDistance(k, normalize(name));
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  // One typo in a short name, about one in three letters of a long one.
  return bestDistance <= Math.max(1, Math.floor(k.length / 3)) ? best : undefined;
}

const KIND_TEXT: Record<Exclude<OptionKind, 'any'>, string> = {
  boolean: 'true or false',
  string: 'a string',
  number: 'a number',
  function: 'a function',
};

/**
 * Checks an options argument against the options `op` takes. undefined or null mean the defaults;
 * anything but a plain object is refused; so is an unknown key (a misspelt option would otherwise be
 * ignored silently: `{ learningRate: 0.1 }` training at the default rate), with the closest known key
 * suggested; flags must be booleans and names strings. Returns the options, typed as partial.
 */
export function checkOptions<T extends object>(op: string, options: T | null | undefined, spec: OptionSpec, example: string): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(op, `options must be an object such as ${example}, got ${describeValue(options)}`);
  }
  const known = Object.keys(spec);
  for (const key of Object.keys(options)) {
    const kind = Object.prototype.hasOwnProperty.call(spec, key) ? spec[key]! : undefined;
    if (kind === undefined) {
      const guess = closestOption(key, known);
      const hint = guess !== undefined ? ` (did you mean '${guess}'?)` : '';
      const list = known.length > 0 ? `${op} takes ${known.map((k) => `'${k}'`).join(', ')}` : `${op} takes no options`;
      throw new ValueError(op, `unknown option '${key}'${hint}; ${list}`);
    }
    const value = (options as Record<string, unknown>)[key];
    if (kind === 'any' || value === undefined) continue;
    if (typeof value !== kind) throw new ValueError(op, `option '${key}' must be ${KIND_TEXT[kind]}, got ${describeValue(value)}`);
  }
  return options;
}
